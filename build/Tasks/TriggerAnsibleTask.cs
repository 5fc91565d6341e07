using AlpineMirror.Build.Hosting;
using AlpineMirror.Deploy;
using AlpineMirror.Storage;
using Cake.Core.Diagnostics;

namespace AlpineMirror.Build.Tasks;

[TaskName(nameof(TriggerAnsible))]
[TaskDescription("Redeploy the boot infrastructure for the published snapshot: ansible-playbook or an AWX job, as --deploy says")]
public sealed class TriggerAnsible : AsyncFrostingTask<MirrorContext>
{
    public override bool ShouldRun(MirrorContext context)
    {
        if (context.Plan is { HasChanges: false })
        {
            context.Log.Information("Nothing was published, so nothing is deployed.");
            return false;
        }

        return true;
    }

    public override async Task RunAsync(MirrorContext context)
    {
        await context.DeployAsync(() => Describe(context));
    }

    private static DeployVariables Describe(MirrorContext context)
    {
        var root = context.Root;
        if (context.Plan is { } plan)
        {
            return DeployVariables.FromPlan(plan, root.Path);
        }

        // Run alone: deploy what latest-stable points to, compared with the snapshot before it.
        var current = root.CurrentSnapshot()
            ?? throw new StorageException(root.LatestStableLink, "nothing is published yet, so there is nothing to deploy");
        return context.DescribePublished(current, root.PreviousSnapshot());
    }
}
