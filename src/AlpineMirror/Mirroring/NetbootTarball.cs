using System.Formats.Tar;
using System.IO.Compression;
using AlpineMirror.Upstream;

namespace AlpineMirror.Mirroring;

/// <summary>
/// The netboot tarball (<c>alpine-netboot-&lt;ver&gt;-&lt;arch&gt;.tar.gz</c>) holds the same <c>boot/</c> tree upstream
/// serves as <c>netboot-&lt;ver&gt;/</c> (APK-FORMAT.md §5). Only its regular files under <c>boot/</c> are mirrored;
/// an entry that climbs out with <c>..</c>, an absolute name, or a link pointing outside <c>boot/</c> is refused.
/// </summary>
internal static class NetbootTarball
{
    private const string BootFolder = "boot";
    private const int BufferSize = 128 * 1024;
    private const UnixFileMode ReadableByAll =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Unpacks the regular files under <c>boot/</c> into the new folder <paramref name="directory"/>; returns how many.</summary>
    /// <exception cref="ReleaseFormatException">The tarball is malformed or holds a traversing name or an escaping link.</exception>
    /// <exception cref="MirrorException">A file could not be written.</exception>
    public static int Extract(string tarball, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var count = 0;
        var written = new HashSet<string>(StringComparer.Ordinal);
        ForEachBootFile(tarball, (relative, data, _) =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!written.Add(relative))
            {
                throw new ReleaseFormatException(tarball, $"entry {BootFolder}/{relative}: listed twice");
            }

            var target = Path.Combine(directory, relative);
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = ReadableByAll };
                // No fsync per file: this is staging, which Relink syncs as a whole before publishing (DESIGN.md §4).
                using var file = new FileStream(target, options);
                data.CopyTo(file, BufferSize);
            }
            catch (IOException e)
            {
                throw new MirrorException(target, $"write: {e.Message}", e);
            }

            count++;
        });
        return count;
    }

    /// <summary>
    /// How <paramref name="directory"/> differs from the tarball's <c>boot/</c> tree: missing, different or extra
    /// entries, at most <paramref name="max"/>, each naming the path under <paramref name="displayDirectory"/>.
    /// </summary>
    /// <exception cref="ReleaseFormatException">The tarball is malformed or unsafe.</exception>
    public static IReadOnlyList<string> Differences(string tarball, string directory, string displayDirectory, int max, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        if (new DirectoryInfo(directory) is not { Exists: true, LinkTarget: null })
        {
            return [$"{displayDirectory}: expected a folder unpacked from {Path.GetFileName(tarball)}, found none"];
        }

        var expectedFiles = new HashSet<string>(StringComparer.Ordinal);
        var expectedFolders = new HashSet<string>(StringComparer.Ordinal);
        ForEachBootFile(tarball, (relative, data, length) =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            expectedFiles.Add(relative);
            for (var slash = relative.IndexOf('/'); slash > 0; slash = relative.IndexOf('/', slash + 1))
            {
                expectedFolders.Add(relative[..slash]);
            }

            if (problems.Count < max && Compare(Path.Combine(directory, relative), data, length) is { } difference)
            {
                problems.Add($"{displayDirectory}/{relative}: {difference}");
            }
        });

        foreach (var (relative, entry) in Walk(directory, ""))
        {
            if (problems.Count >= max)
            {
                break;
            }

            var expected = entry is DirectoryInfo ? expectedFolders.Contains(relative) : expectedFiles.Contains(relative);
            if (!expected || entry.LinkTarget is not null)
            {
                problems.Add($"{displayDirectory}/{relative}: not in {Path.GetFileName(tarball)}, expected no such entry");
            }
        }

        return problems;
    }

    // Recurses into real folders only: a symlink is reported, never followed.
    private static IEnumerable<(string Relative, FileSystemInfo Entry)> Walk(string directory, string prefix)
    {
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            var relative = prefix + entry.Name;
            yield return (relative, entry);
            if (entry is DirectoryInfo { LinkTarget: null })
            {
                foreach (var inner in Walk(entry.FullName, relative + "/"))
                {
                    yield return inner;
                }
            }
        }
    }

    private static string? Compare(string path, Stream expected, long length)
    {
        if (new FileInfo(path) is not { Exists: true, LinkTarget: null } file)
        {
            return "missing, expected a regular file from the netboot tarball";
        }

        if (file.Length != length)
        {
            return $"size: expected {length}, got {file.Length}";
        }

        using var actual = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        var left = new byte[BufferSize];
        var right = new byte[BufferSize];
        long offset = 0;
        int read;
        while ((read = expected.ReadAtLeast(left, left.Length, throwOnEndOfStream: false)) > 0)
        {
            var got = actual.ReadAtLeast(right, read, throwOnEndOfStream: false);
            if (got != read || !left.AsSpan(0, read).SequenceEqual(right.AsSpan(0, got)))
            {
                return $"content: expected the tarball's bytes, got different bytes within {offset}..{offset + read}";
            }

            offset += read;
        }

        return null;
    }

    private static void ForEachBootFile(string tarball, Action<string, Stream, long> onFile)
    {
        try
        {
            using var file = new FileStream(tarball, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var reader = new TarReader(gzip);
            while (reader.GetNextEntry() is { } entry)
            {
                var segments = Segments(entry.Name, tarball);
                if (segments.Length < 2 || segments[0] != BootFolder)
                {
                    continue;
                }

                switch (entry.EntryType)
                {
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        onFile(string.Join('/', segments[1..]), entry.DataStream ?? Stream.Null, entry.Length);
                        break;
                    case TarEntryType.SymbolicLink or TarEntryType.HardLink:
                        RequireContainedLink(entry, segments, tarball);
                        break;
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new ReleaseFormatException(tarball, $"malformed netboot tarball: {e.Message}", e);
        }
    }

    // "./boot/x" and "boot/x/" are fine; "/boot/x", "boot/../x" and control characters are not.
    private static string[] Segments(string name, string tarball)
    {
        var trimmed = name.StartsWith("./", StringComparison.Ordinal) ? name[2..] : name;
        trimmed = trimmed.TrimEnd('/');
        var segments = trimmed.Split('/');
        if (trimmed.Length == 0 || name.StartsWith('/') || !segments.All(UpstreamLayout.IsPlainFileName))
        {
            throw new ReleaseFormatException(tarball, $"entry name: expected a relative path without '..', got '{UpstreamLayout.Printable(name)}'");
        }

        return segments;
    }

    // Links are not mirrored (upstream copies the tree with cp -aL), but one pointing out of boot/ marks a hostile tarball.
    private static void RequireContainedLink(TarEntry entry, string[] segments, string tarball)
    {
        var link = entry.LinkName;
        var resolved = new List<string>();
        if (entry.EntryType == TarEntryType.SymbolicLink)
        {
            // A symbolic link resolves from its own folder; a hard link names a path from the archive root.
            resolved.AddRange(segments[..^1]);
        }

        var escapes = link.Length == 0 || link.StartsWith('/');
        foreach (var part in link.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (resolved.Count == 0)
                {
                    escapes = true;
                    break;
                }

                resolved.RemoveAt(resolved.Count - 1);
            }
            else if (part != ".")
            {
                resolved.Add(part);
            }
        }

        if (escapes || resolved.Count == 0 || resolved[0] != BootFolder)
        {
            throw new ReleaseFormatException(tarball,
                $"entry {string.Join('/', segments)}: link target: expected a path inside {BootFolder}/, got '{UpstreamLayout.Printable(link)}'");
        }
    }
}
