using AlpineMirror.Build.Hosting;
using AlpineMirror.Configuration;
using AlpineMirror.Storage;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace AlpineMirror.Build.Tasks;

[TaskName(nameof(Prune))]
[TaskDescription("Delete published snapshots beyond the newest --keep=N, never the current one or the rollback target")]
public sealed class Prune : FrostingTask<MirrorContext>, IDryRunTask
{
    public override void Run(MirrorContext context)
    {
        context.EnsureLocked();
        var root = context.Root;
        var deleted = SnapshotRetention.Delete(root, RetentionPlanOf(context));
        context.Log.Information(
            deleted.Count == 0 ? "Nothing to prune." : "Deleted {0} snapshots: {1}",
            deleted.Count,
            string.Join(", ", deleted));
    }

    public Task DryRunAsync(ICakeContext cakeContext)
    {
        var context = (MirrorContext)cakeContext;
        var plan = RetentionPlanOf(context);
        context.Log.Information(
            plan.Delete.Count == 0 ? "Nothing would be pruned; kept: {1}" : "Would delete {0}; kept: {1}",
            string.Join(", ", plan.Delete),
            string.Join(", ", plan.Keep));
        return Task.CompletedTask;
    }

    private static RetentionPlan RetentionPlanOf(MirrorContext context) =>
        SnapshotRetention.Plan(
            context.Root,
            context.Options.Keep ?? throw new ConfigurationException("--keep", "how many snapshots to keep is required (e.g. --keep=3)"));
}
