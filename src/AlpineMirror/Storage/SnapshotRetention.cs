using AlpineMirror.Configuration;

namespace AlpineMirror.Storage;

/// <summary>
/// The Prune target: published snapshots beyond the newest N are deleted, except any a link points to
/// (latest-stable, the branch aliases) and the rollback target.
/// </summary>
/// <remarks>Callers hold the <see cref="RunLock"/>.</remarks>
public static class SnapshotRetention
{
    /// <summary>The newest <paramref name="keep"/> snapshots plus the protected ones stay; the rest go.</summary>
    /// <exception cref="ConfigurationException"><paramref name="keep"/> is below 1.</exception>
    public static RetentionPlan Plan(MirrorRoot root, int keep)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (keep < 1)
        {
            throw new ConfigurationException("--keep", $"expected at least 1 snapshot to keep (the current one), got {keep}");
        }

        var published = root.PublishedSnapshots();
        var newest = published.Skip(Math.Max(0, published.Count - keep)).ToHashSet(StringComparer.Ordinal);
        var protectedNames = ProtectedSnapshots(root);
        var delete = published.Where(name => !newest.Contains(name) && !protectedNames.Contains(name)).ToList();
        return new RetentionPlan(published.Except(delete).ToList(), delete);
    }

    /// <summary>
    /// Deletes the plan's snapshots. Each is first renamed to <c>.alpinemirror/trash-&lt;name&gt;</c>, so a
    /// half-deleted tree is never visible as a snapshot; trash left by an interrupted prune is removed too.
    /// </summary>
    /// <returns>The snapshots deleted.</returns>
    /// <exception cref="StorageException">A snapshot became protected since the plan was made, or could not be moved.</exception>
    public static IReadOnlyList<string> Delete(MirrorRoot root, RetentionPlan plan)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(plan);
        foreach (var leftover in root.TrashFolders())
        {
            Directory.Delete(leftover, recursive: true);
        }

        // The plan is a value that may be old; links are read again so that it can never delete what they point to now.
        var protectedNames = ProtectedSnapshots(root);
        Directory.CreateDirectory(root.StateDirectory);
        var deleted = new List<string>();
        foreach (var name in plan.Delete)
        {
            if (protectedNames.Contains(name))
            {
                throw new StorageException(root.SnapshotPath(name), "is now current, linked or the rollback target; plan the prune again");
            }

            var snapshot = root.SnapshotPath(name);
            if (!Directory.Exists(snapshot))
            {
                continue;
            }

            // The record goes first: a crash in between leaves a folder that is merely no longer trusted.
            SnapshotPublication.Forget(root, name);
            var trash = root.TrashPath(name);
            try
            {
                Directory.Move(snapshot, trash);
            }
            catch (IOException e)
            {
                throw new StorageException(snapshot, $"could not move it to {trash} for deletion: {e.Message}", e);
            }

            // Unlinks only: files shared with newer snapshots through hard links keep their content.
            Directory.Delete(trash, recursive: true);
            deleted.Add(name);
        }

        return deleted;
    }

    private static HashSet<string> ProtectedSnapshots(MirrorRoot root)
    {
        var names = new HashSet<string>(root.LinkedSnapshots(), StringComparer.Ordinal);
        if (root.PreviousSnapshot() is { } previous)
        {
            names.Add(previous);
        }

        return names;
    }
}
