namespace AlpineMirror.Demo;

/// <summary>Writes generated upstream files: through a temporary and a rename, and not at all when the file already holds the bytes.</summary>
/// <remarks>
/// No fsync: a generated upstream is rebuilt, not recovered, and syncing 10,000 packages would take ten times
/// longer than building them. Leaving identical files alone keeps their modification time, as upstream does.
/// </remarks>
internal static class GeneratedFile
{
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        if (Holds(path, content))
        {
            return;
        }

        // A fresh inode rather than an overwrite, so that a hard link to the old file (cp -al) keeps the old bytes.
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(content);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static bool Holds(string path, ReadOnlySpan<byte> content)
    {
        var existing = new FileInfo(path);
        if (!existing.Exists || existing.LinkTarget is not null || existing.Length != content.Length)
        {
            return false;
        }

        return File.ReadAllBytes(path).AsSpan().SequenceEqual(content);
    }
}
