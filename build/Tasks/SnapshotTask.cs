using AlpineMirror.Build.Hosting;
using AlpineMirror.Planning;
using AlpineMirror.Storage;
using Cake.Core.Diagnostics;

namespace AlpineMirror.Build.Tasks;

[TaskName(nameof(Snapshot))]
[TaskDescription("Clone what the plan lists from the current snapshot into .alpinemirror/staging/<name> with hard links, or resume that folder")]
[IsDependentOn(typeof(Plan))]
public sealed class Snapshot : AsyncFrostingTask<MirrorContext>
{
    public override bool ShouldRun(MirrorContext context)
    {
        switch (context.Plan)
        {
            case { RolledBackFrom: { } rolledBackFrom } plan:
                context.Log.Information(
                    "Upstream still serves {0}, which was rolled back from: {1} stays published until upstream moves on.",
                    rolledBackFrom,
                    plan.Snapshot);
                return false;
            case { HasChanges: false } plan:
                context.Log.Information("Nothing new upstream: {0} stays published, nothing to do.", plan.Snapshot);
                return false;
            case { PublishedButNotLinked: { } published }:
                context.Log.Information("{0} is already published whole (a run stopped inside Relink): only the links switch.", published);
                return false;
            default:
                return true;
        }
    }

    public override async Task RunAsync(MirrorContext context)
    {
        var plan = context.RequirePlan();
        context.EnsureLocked();
        var root = context.Root;
        foreach (var abandoned in root.StagingSnapshots().Where(name => name != plan.Snapshot))
        {
            // Work in progress for a name the plan no longer uses: upstream moved on since that run stopped.
            context.Log.Information("Removing abandoned staging folder {0}", abandoned);
            Directory.Delete(root.StagingPath(abandoned), recursive: true);
        }

        var resumed = root.FindStaging(plan.Snapshot) is not null;
        var source = plan.PreviousSnapshot is { } previous ? root.SnapshotPath(previous) : null;
        var result = await SnapshotCloner.CloneAsync(source, context.StagingPath, PlannedTree.Of(plan), context.Cancellation);
        context.Log.Information(
            "{0} {1} from {2}: {3} files linked, {4} copied, {5} folders, {6} symlinks{7}",
            resumed ? "Resumed staging" : "Staged",
            plan.Snapshot,
            plan.PreviousSnapshot ?? "an empty root",
            result.FilesLinked,
            result.FilesCopied,
            result.DirectoriesCreated,
            result.SymlinksCreated,
            resumed ? $", {result.AlreadyPresent} already there" : "");
        if (result.CopyFallbackReason is { } reason)
        {
            context.Log.Warning("Files were copied, not hard-linked, so the snapshot takes extra space: {0}", reason);
        }
    }
}
