using System.Buffers.Binary;

namespace AlpineMirror.Demo;

/// <summary>
/// SplitMix64: a tiny generator whose sequence is fixed by its seed forever, unlike <see cref="Random"/>, whose
/// algorithm may change between .NET versions. Generated upstream trees must be byte-identical run after run.
/// </summary>
internal sealed class SeededRandom
{
    private ulong _state;

    public SeededRandom(long seed) => _state = unchecked((ulong)seed);

    /// <summary>A generator seeded by <paramref name="seed"/> and a text, so that each repository or package gets its own sequence.</summary>
    public SeededRandom(long seed, string purpose)
        : this(unchecked(seed * 31 + (long)StableHash(purpose)))
    {
    }

    public ulong NextUInt64()
    {
        unchecked
        {
            var z = _state += 0x9E3779B97F4A7C15;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            return z ^ (z >> 31);
        }
    }

    /// <summary>A number in [0, <paramref name="maxExclusive"/>).</summary>
    public int Next(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (int)(NextUInt64() % (ulong)maxExclusive);
    }

    /// <summary>A number in [<paramref name="min"/>, <paramref name="maxInclusive"/>].</summary>
    public int Between(int min, int maxInclusive) => min + Next(maxInclusive - min + 1);

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    public void Fill(Span<byte> bytes)
    {
        while (bytes.Length >= sizeof(ulong))
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, NextUInt64());
            bytes = bytes[sizeof(ulong)..];
        }

        if (bytes.Length > 0)
        {
            Span<byte> last = stackalloc byte[sizeof(ulong)];
            BinaryPrimitives.WriteUInt64LittleEndian(last, NextUInt64());
            last[..bytes.Length].CopyTo(bytes);
        }
    }

    /// <summary>A Fisher–Yates shuffle of 0 … count-1.</summary>
    public int[] Permutation(int count)
    {
        var order = Enumerable.Range(0, count).ToArray();
        for (var i = count - 1; i > 0; i--)
        {
            var j = Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }

    /// <summary>FNV-1a over the UTF-16 code units: string.GetHashCode is randomized per process.</summary>
    public static ulong StableHash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = unchecked((hash ^ c) * 1099511628211UL);
        }

        return hash;
    }
}
