using System.Runtime.CompilerServices;
using AlpineMirror.Storage;
using AlpineMirror.Upstream;

namespace AlpineMirror.Planning;

/// <summary>
/// The one list of what the snapshot of a <see cref="MirrorPlan"/> holds, used by Snapshot (what to clone), Mirror (what
/// to keep) and Verify (what to accept): each repository's index and packages, each release folder's
/// latest-releases.yaml, images, checksum and signature files, netboot folder and link. Nothing else.
/// </summary>
public static class PlannedTree
{
    // Snapshot, Mirror and Verify each ask for the tree of the same plan: built once per plan object (by reference, so a
    // plan copied `with` other repositories gets its own), and let go with the plan.
    private static readonly ConditionalWeakTable<MirrorPlan, ExpectedTree> s_trees = new();

    /// <summary>The tree of <paramref name="plan"/>; the same instance for the same plan object, which no caller changes.</summary>
    /// <exception cref="Apk.ApkFormatException">A package file name is not a plain file name.</exception>
    /// <exception cref="ReleaseFormatException">A release file name is unsafe or names another release entry.</exception>
    public static ExpectedTree Of(MirrorPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return s_trees.GetValue(plan, Build);
    }

    private static ExpectedTree Build(MirrorPlan plan)
    {
        var tree = new ExpectedTree();
        foreach (var repository in plan.Repositories)
        {
            tree.ListedBy(UpstreamLayout.RepositoryPath(repository.Repo, repository.Arch), UpstreamLayout.IndexFileName);
            tree.Add(UpstreamLayout.IndexPath(repository.Repo, repository.Arch), ExpectedEntry.File);
            foreach (var package in repository.Packages)
            {
                tree.Add(UpstreamLayout.PackagePath(repository.Repo, repository.Arch, package.FileName), ExpectedEntry.File);
            }
        }

        foreach (var release in plan.Releases)
        {
            tree.ListedBy(UpstreamLayout.ReleasesPath(release.Arch), UpstreamLayout.LatestReleasesFileName);
            try
            {
                AddRelease(tree, release);
            }
            catch (ArgumentException e)
            {
                // An image named like latest-releases.yaml, netboot or another image's checksum file.
                throw new ReleaseFormatException(UpstreamLayout.LatestReleasesPath(release.Arch), $"release file names: {e.Message}");
            }
        }

        return tree;
    }

    private static void AddRelease(ExpectedTree tree, ReleasePlan release)
    {
        tree.Add(UpstreamLayout.LatestReleasesPath(release.Arch), ExpectedEntry.File);
        foreach (var image in release.Images)
        {
            tree.Add(UpstreamLayout.ReleaseFilePath(release.Arch, image.File), ExpectedEntry.File);
            foreach (var suffix in ReleaseImage.CompanionSuffixes)
            {
                tree.Add(UpstreamLayout.ReleaseFilePath(release.Arch, image.File + suffix), ExpectedEntry.File);
            }
        }

        if (release.NetbootImage is not null)
        {
            tree.Add(UpstreamLayout.ReleaseFilePath(release.Arch, release.NetbootDirectory), ExpectedEntry.Subtree);
            tree.Add(UpstreamLayout.ReleaseFilePath(release.Arch, ReleasePlan.NetbootLinkName), ExpectedEntry.Symlink);
        }
    }
}
