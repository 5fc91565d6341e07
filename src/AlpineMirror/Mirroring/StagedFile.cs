using System.Buffers;
using System.Security.Cryptography;
using AlpineMirror.Storage;
using Microsoft.Win32.SafeHandles;

namespace AlpineMirror.Mirroring;

/// <summary>Reads files already in staging through the same checks a download passes.</summary>
internal static class StagedFile
{
    private const int BufferSize = 128 * 1024;

    /// <summary>Feeds the whole file to <paramref name="check"/> and completes it; returns the bytes read.</summary>
    /// <exception cref="Apk.ChecksumMismatchException">The file differs from what the check expects.</exception>
    /// <exception cref="Apk.ApkFormatException">A package that is not a well-formed v2 .apk.</exception>
    public static long Check(string path, IStreamCheck check, CancellationToken cancellationToken)
    {
        using var file = LibC.OpenHandleForReading(path);
        var read = Feed(file, check, long.MaxValue, cancellationToken);
        check.Complete();
        return read;
    }

    /// <summary>Feeds up to <paramref name="limit"/> bytes of an open file to <paramref name="check"/>, without completing it.</summary>
    /// <remarks>Positional reads on a bare handle: no FileStream, no flock, no seek.</remarks>
    public static long Feed(SafeFileHandle file, IStreamCheck check, long limit, CancellationToken cancellationToken)
    {
        // Pooled: a fresh 128 KiB buffer per file is a large-object allocation per package.
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long total = 0;
            int read;
            while (total < limit && (read = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(BufferSize, limit - total)), total)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                check.Append(buffer.AsSpan(0, read));
                total += read;
            }

            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The lower-case hex digest of a file.</summary>
    public static string Hash(string path, HashAlgorithmName algorithm, CancellationToken cancellationToken)
    {
        using var file = LibC.OpenHandleForReading(path);
        using var hash = IncrementalHash.CreateHash(algorithm);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long total = 0;
            int read;
            while ((read = RandomAccess.Read(file, buffer.AsSpan(0, BufferSize), total)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                hash.AppendData(buffer.AsSpan(0, read));
                total += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>True for a regular file (not a symlink, not a folder) of exactly <paramref name="size"/> bytes.</summary>
    public static bool HasSize(string path, long size) => FileStatus.IsRegularFileOfSize(path, size);
}
