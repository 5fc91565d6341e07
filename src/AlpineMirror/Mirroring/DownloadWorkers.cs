using System.Runtime.ExceptionServices;

namespace AlpineMirror.Mirroring;

/// <summary>
/// Runs the Mirror step's work items on <c>--parallel</c> workers, and on more while the round trip to upstream is
/// long: a worker waits one round trip per file, so at 20 ms per request eight of them leave the link idle most of
/// the time. One more worker per <see cref="RoundTripPerWorker"/> of round trip, up to four times <c>--parallel</c>
/// and never more than <see cref="Cap"/>. The first failure cancels the rest and is rethrown.
/// </summary>
internal static class DownloadWorkers
{
    /// <summary>The most workers (and so connections) ever used, whatever the round trip.</summary>
    public const int Cap = 32;

    private const int MaxFactor = 4;
    private const int SamplesBeforeScaling = 8;
    private static readonly TimeSpan RoundTripPerWorker = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan CheckEvery = TimeSpan.FromMilliseconds(50);

    /// <summary>How many workers <paramref name="parallel"/> becomes at the round trip measured so far.</summary>
    public static int For(int parallel, RoundTrip roundTrip)
    {
        if (roundTrip.Samples < SamplesBeforeScaling)
        {
            return parallel;
        }

        var factor = Math.Clamp(roundTrip.Shortest / RoundTripPerWorker, 1, MaxFactor);
        return Math.Max(parallel, Math.Min(Most(parallel), (int)(parallel * factor)));
    }

    /// <summary>The most workers <paramref name="parallel"/> ever becomes, however far upstream is.</summary>
    public static int Most(int parallel) => Math.Max(parallel, Math.Min(Cap, parallel * MaxFactor));

    public static async Task RunAsync(
        IReadOnlyList<Func<CancellationToken, Task>> work, int parallel, RoundTrip roundTrip, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var next = -1;
        Exception? first = null;

        async Task WorkAsync()
        {
            int item;
            while ((item = Interlocked.Increment(ref next)) < work.Count)
            {
                stop.Token.ThrowIfCancellationRequested();
                try
                {
                    await work[item](stop.Token);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The others then see cancellation; this is the failure to report.
                    Interlocked.CompareExchange(ref first, e, null);
                    await stop.CancelAsync();
                    throw;
                }
            }
        }

        // On the thread pool: a worker whose items complete synchronously (files kept on their size) would otherwise
        // run them all on the caller's thread, one at a time.
        var workers = Enumerable.Range(0, parallel).Select(_ => Task.Run(WorkAsync, CancellationToken.None)).ToList();
        while (Task.WhenAll(workers) is var all && await Task.WhenAny(all, Task.Delay(CheckEvery, CancellationToken.None)) != all)
        {
            var wanted = For(parallel, roundTrip);
            while (workers.Count < wanted && Volatile.Read(ref next) < work.Count - 1 && !stop.IsCancellationRequested)
            {
                workers.Add(Task.Run(WorkAsync, CancellationToken.None));
            }
        }

        try
        {
            await Task.WhenAll(workers);
        }
        catch (Exception) when (first is not null && !cancellationToken.IsCancellationRequested)
        {
            ExceptionDispatchInfo.Throw(first);
        }
    }
}
