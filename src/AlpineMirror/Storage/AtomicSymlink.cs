namespace AlpineMirror.Storage;

/// <summary>
/// Switches a symlink such as <c>latest-stable</c> by one rename(2) of a temporary link over it (DESIGN.md §4.2),
/// so a reader always resolves either the old or the new target, never nothing.
/// </summary>
public static class AtomicSymlink
{
    /// <summary>
    /// Points <paramref name="linkPath"/> at <paramref name="relativeTarget"/> (relative to the link's directory),
    /// creating the link if there is none.
    /// </summary>
    /// <exception cref="ArgumentException">The target is empty or absolute.</exception>
    /// <exception cref="StorageException">
    /// A real file or directory sits at <paramref name="linkPath"/>, the target does not exist (the link would dangle),
    /// or the rename failed.
    /// </exception>
    public static void Replace(string linkPath, string relativeTarget)
    {
        ArgumentException.ThrowIfNullOrEmpty(linkPath);
        ArgumentException.ThrowIfNullOrEmpty(relativeTarget);
        if (Path.IsPathRooted(relativeTarget))
        {
            // Relative links keep working when the root is mounted elsewhere (an nginx container, a backup copy).
            throw new ArgumentException($"expected a target relative to the link, got '{relativeTarget}'", nameof(relativeTarget));
        }

        var link = Path.GetFullPath(linkPath);
        RequireLinkOrNothing(link);
        var directory = Path.GetDirectoryName(link)!;
        if (!Path.Exists(Path.Combine(directory, relativeTarget)))
        {
            throw new StorageException(link, $"refusing to point it at '{relativeTarget}', which does not exist in {directory}");
        }

        var temporary = AtomicFile.TemporaryPathFor(link);
        var committed = false;
        try
        {
            File.CreateSymbolicLink(temporary, relativeTarget);
            // Directory.Move and File.Move refuse to replace a link to a directory; rename(2) replaces the link itself.
            var errno = LibC.Rename(temporary, link);
            if (errno != 0)
            {
                throw new StorageException(link, $"could not rename the temporary link {Path.GetFileName(temporary)} over it: {LibC.Describe(errno)}");
            }

            committed = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(link, $"could not create the temporary link {Path.GetFileName(temporary)}: {e.Message}", e);
        }
        finally
        {
            if (!committed)
            {
                // File.Delete removes the link, never what it points to.
                File.Delete(temporary);
            }
        }
    }

    /// <summary>The target text of the symlink at <paramref name="linkPath"/>, or null when nothing is there.</summary>
    /// <exception cref="StorageException">A real file or directory sits where the link should be.</exception>
    public static string? Read(string linkPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(linkPath);
        var link = Path.GetFullPath(linkPath);
        return new FileInfo(link).LinkTarget ?? (Path.Exists(link) ? throw NotALink(link) : null);
    }

    private static void RequireLinkOrNothing(string link)
    {
        if (new FileInfo(link).LinkTarget is null && Path.Exists(link))
        {
            throw NotALink(link);
        }
    }

    private static StorageException NotALink(string link) =>
        new(link, $"expected a symlink, found a real {(Directory.Exists(link) ? "directory" : "file")}; refusing to replace it");
}
