using System.Diagnostics;

namespace AlpineMirror.Mirroring;

/// <summary>
/// The shortest time seen from sending a request to its response headers: the round trip to upstream, without the
/// moments the server or this machine was busy (those only ever make an answer slower).
/// </summary>
internal sealed class RoundTrip
{
    private long _shortestTicks = long.MaxValue;
    private int _samples;

    /// <summary>How many answers were timed.</summary>
    public int Samples => Volatile.Read(ref _samples);

    /// <summary>The shortest time measured; <see cref="TimeSpan.MaxValue"/> before the first answer.</summary>
    public TimeSpan Shortest => Volatile.Read(ref _shortestTicks) is var ticks && ticks == long.MaxValue
        ? TimeSpan.MaxValue
        : Stopwatch.GetElapsedTime(0, ticks);

    /// <summary>Records one answer that took from <paramref name="sentAt"/> (a <see cref="Stopwatch.GetTimestamp"/>) until now.</summary>
    public void Answered(long sentAt)
    {
        var ticks = Stopwatch.GetTimestamp() - sentAt;
        Interlocked.Increment(ref _samples);
        var shortest = Volatile.Read(ref _shortestTicks);
        while (ticks < shortest)
        {
            var seen = Interlocked.CompareExchange(ref _shortestTicks, ticks, shortest);
            if (seen == shortest)
            {
                return;
            }

            shortest = seen;
        }
    }
}
