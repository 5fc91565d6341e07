using AlpineMirror.Storage;

namespace AlpineMirror.ClamAv;

/// <summary>
/// Moves a database's verified files from staging into the served folder, one rename each, in the order clients need
/// them: every patch (its <c>.sign</c> first) before the <c>.cvd</c> that announces the new version; then drops patches
/// beyond the newest <c>--clamav-keep</c> and signatures of replaced databases.
/// </summary>
public static class ClamAvPublisher
{
    /// <summary>Publishes <paramref name="files"/> (patches, then the <c>.cvd</c>, with their signatures) from <paramref name="staging"/>.</summary>
    /// <returns>The names published, in order, and the names removed by retention.</returns>
    /// <exception cref="StorageException">A rename failed (e.g. staging and the served folder are on different file systems).</exception>
    public static (IReadOnlyList<string> Published, IReadOnlyList<string> Removed) Publish(
        string staging, string served, string database, IReadOnlyList<ClamAvFile> files, int? cvdVersion, int keep)
    {
        Directory.CreateDirectory(served);
        var ordered = files.Where(f => !f.IsSign)
            .OrderBy(f => f.Kind == ClamAvFileKind.Cvd)
            .ThenBy(f => f.Version)
            .SelectMany(f => files.Contains(f.SignFile()) ? new[] { f.SignFile(), f } : [f])
            .ToList();
        foreach (var file in ordered)
        {
            var source = Path.Combine(staging, file.Name);
            var target = Path.Combine(served, file.Name);
            var errno = LibC.Rename(source, target);
            if (errno != 0)
            {
                throw new StorageException(target, $"could not rename the verified {source} into the served folder: {LibC.Describe(errno)}");
            }
        }

        return (ordered.Select(f => f.Name).ToList(), Retain(served, database, cvdVersion, keep));
    }

    private static List<string> Retain(string served, string database, int? cvdVersion, int keep)
    {
        var versioned = Directory.EnumerateFiles(served)
            .Select(path => ClamAvFile.ParseVersioned(database, Path.GetFileName(path)))
            .OfType<ClamAvFile>()
            .ToList();
        var keptPatches = versioned.Where(f => f.Kind == ClamAvFileKind.Cdiff)
            .Select(f => f.Version)
            .OrderDescending()
            .Take(keep)
            .ToHashSet();
        var removed = versioned
            .Where(f => f.Kind switch
            {
                ClamAvFileKind.Cdiff or ClamAvFileKind.CdiffSign => !keptPatches.Contains(f.Version),
                _ => cvdVersion is { } current && f.Version != current,
            })
            .Select(f => f.Name)
            .Order(StringComparer.Ordinal)
            .ToList();
        foreach (var name in removed)
        {
            File.Delete(Path.Combine(served, name));
        }

        return removed;
    }
}
