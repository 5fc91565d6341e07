using AlpineMirror.Apk;

namespace AlpineMirror.Planning;

/// <summary>How the packages of two indexes of one repository and architecture differ, by package name.</summary>
public sealed record IndexDiff(
    IReadOnlyList<ApkIndexEntry> Added,
    IReadOnlyList<PackageUpdate> Updated,
    IReadOnlyList<ApkIndexEntry> Removed,
    IReadOnlyList<ApkIndexEntry> Unchanged)
{
    /// <summary>
    /// A package is unchanged when the same file (name-version) with the same identity (C:) is listed before and
    /// after; updated when its name stays but the file or its identity changes; added or removed by name.
    /// </summary>
    public static IndexDiff Compare(IReadOnlyList<ApkIndexEntry> before, IReadOnlyList<ApkIndexEntry> after)
    {
        var beforeByFile = new Dictionary<string, ApkIndexEntry>(before.Count, StringComparer.Ordinal);
        var beforeByName = new Dictionary<string, ApkIndexEntry>(before.Count, StringComparer.Ordinal);
        foreach (var entry in before)
        {
            beforeByFile[entry.FileName] = entry;
            if (!beforeByName.TryGetValue(entry.Name, out var known) || ApkVersion.Compare(entry.Version, known.Version) > 0)
            {
                beforeByName[entry.Name] = entry;
            }
        }

        var added = new List<ApkIndexEntry>();
        var updated = new List<PackageUpdate>();
        var unchanged = new List<ApkIndexEntry>();
        var afterNames = new HashSet<string>(after.Count, StringComparer.Ordinal);
        foreach (var entry in after)
        {
            afterNames.Add(entry.Name);
            if (beforeByFile.TryGetValue(entry.FileName, out var same) && same.Checksum == entry.Checksum)
            {
                unchanged.Add(entry);
            }
            else if (beforeByFile.TryGetValue(entry.FileName, out var rebuilt))
            {
                updated.Add(new PackageUpdate(rebuilt, entry));
            }
            else if (beforeByName.TryGetValue(entry.Name, out var older))
            {
                updated.Add(new PackageUpdate(older, entry));
            }
            else
            {
                added.Add(entry);
            }
        }

        var removed = before.Where(e => !afterNames.Contains(e.Name)).ToList();
        return new IndexDiff(added, updated, removed, unchanged);
    }
}
