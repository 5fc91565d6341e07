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
        if (ReferenceEquals(before, after))
        {
            // The nightly no-op: upstream's index is the published one, read once; nothing to look up.
            return new IndexDiff([], [], [], after);
        }

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

        // The after side is looked up by a file name spelled into a reused buffer, not a string per package.
        var filesBySpan = beforeByFile.GetAlternateLookup<ReadOnlySpan<char>>();
        var fileName = new char[256];
        var added = new List<ApkIndexEntry>();
        var updated = new List<PackageUpdate>();
        var unchanged = new List<ApkIndexEntry>();
        var afterNames = new HashSet<string>(after.Count, StringComparer.Ordinal);
        foreach (var entry in after)
        {
            afterNames.Add(entry.Name);
            if (filesBySpan.TryGetValue(SpellFileName(entry, ref fileName), out var sameFile))
            {
                if (sameFile.Checksum == entry.Checksum)
                {
                    unchanged.Add(entry);
                }
                else
                {
                    updated.Add(new PackageUpdate(sameFile, entry));
                }
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

    // The same characters as ApkIndexEntry.FileName ("P-V.apk"), written into buffer, which grows for long names.
    private static ReadOnlySpan<char> SpellFileName(ApkIndexEntry entry, ref char[] buffer)
    {
        const string Extension = ".apk";
        var length = entry.Name.Length + 1 + entry.Version.Length + Extension.Length;
        if (buffer.Length < length)
        {
            buffer = new char[length];
        }

        var file = buffer.AsSpan(0, length);
        entry.Name.CopyTo(file);
        file[entry.Name.Length] = '-';
        entry.Version.CopyTo(file[(entry.Name.Length + 1)..]);
        Extension.CopyTo(file[^Extension.Length..]);
        return file;
    }
}
