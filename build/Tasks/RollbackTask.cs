using AlpineMirror.Build.Hosting;
using AlpineMirror.Storage;
using Cake.Core.Diagnostics;

namespace AlpineMirror.Build.Tasks;

[TaskName(nameof(Rollback))]
[TaskDescription("Switch latest-stable and v<branch> back to the previous snapshot, or to --to=<name>, atomically; then deploy it")]
public sealed class Rollback : AsyncFrostingTask<MirrorContext>
{
    public override async Task RunAsync(MirrorContext context)
    {
        context.EnsureLocked();
        var root = context.Root;
        context.Published = SnapshotPublisher.Rollback(root, context.Options.To, context.Options.RequireBranch());
        await new RunHistory(root).AppendAsync(
            new RunRecord(context.Published.To, context.Published.From, DateTimeOffset.UtcNow, 0, 0, 0, 0, RunAction.Rollback),
            context.Cancellation);
        context.Log.Information(
            "Rolled back: latest-stable and {0} now point to {1} (was {2})",
            context.Published.BranchLink,
            context.Published.To,
            context.Published.From ?? "none");

        // The stations boot what the boot infrastructure serves: it follows the rollback as --deploy says.
        var rolledBack = context.Published;
        await context.DeployAsync(() => context.DescribePublished(rolledBack.To, rolledBack.From));
    }
}
