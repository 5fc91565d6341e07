using AlpineMirror.Build.Hosting;
using AlpineMirror.Storage;
using Cake.Core.Diagnostics;

namespace AlpineMirror.Build.Tasks;

[TaskName(nameof(Relink))]
[TaskDescription("Publish staging as [ALPINE]/<name> and switch latest-stable and v<branch> to it, each by one rename(2)")]
[IsDependentOn(typeof(Verify))]
public sealed class Relink : AsyncFrostingTask<MirrorContext>
{
    public override bool ShouldRun(MirrorContext context) => context.Plan is not { NeedsRelink: false };

    public override async Task RunAsync(MirrorContext context)
    {
        var plan = context.RequirePlan();
        var root = context.Root;
        if (!plan.HasChanges)
        {
            SnapshotPublisher.Relink(root, plan.Snapshot, plan.Branch);
            context.Log.Information("Brought {0} back to {1}, where latest-stable points", string.Join(", ", plan.StaleLinks), plan.Snapshot);
            return;
        }

        if (context.StagingFlushed is { } flushed)
        {
            await flushed;
        }

        context.Published = plan.PublishedButNotLinked is { } published
            ? SnapshotPublisher.Relink(root, published, plan.Branch)
            : SnapshotPublisher.Publish(root, context.StagingPath, plan.Snapshot, plan.Branch, plan.IndexDigests());
        await new RunHistory(root).AppendAsync(
            new RunRecord(
                plan.Snapshot,
                context.Published.From,
                DateTimeOffset.UtcNow,
                plan.Repositories.Sum(r => r.Added.Count),
                plan.Repositories.Sum(r => r.Updated.Count),
                plan.Repositories.Sum(r => r.Removed.Count),
                context.Mirrored?.BytesDownloaded ?? 0,
                RunAction.Update),
            context.Cancellation);
        context.Log.Information(
            "Published {0}: latest-stable and {1} now point to it (previous: {2})",
            plan.Snapshot,
            context.Published.BranchLink,
            context.Published.From ?? "none");
    }
}
