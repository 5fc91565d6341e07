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
        if (context.Plan is not { HasChanges: false } plan)
        {
            return true;
        }

        // A deploy that failed, or a run that stopped before it, is finished by the next update.
        if (context.DeployTrigger.Deploys && new DeployState(context.Root).Deployed() != plan.Snapshot)
        {
            context.Log.Information("The boot infrastructure was never brought to {0}: deploying it now.", plan.Snapshot);
            return true;
        }

        context.Log.Information("Nothing was published, so nothing is deployed.");
        return false;
    }

    public override async Task RunAsync(MirrorContext context)
    {
        await context.DeployAsync(() => Describe(context));
    }

    private static DeployVariables Describe(MirrorContext context)
    {
        var root = context.Root;
        if (context.Plan is { HasChanges: true } plan)
        {
            return DeployVariables.FromPlan(plan, root.Path);
        }

        // Run alone, or a deploy that did not complete: deploy what latest-stable points to, compared with what the
        // boot servers last got, else with the snapshot before it.
        var current = root.CurrentSnapshot()
            ?? throw new StorageException(root.LatestStableLink, "nothing is published yet, so there is nothing to deploy");
        return context.DescribePublished(current, new DeployState(root).DeployedOtherThan(current) ?? root.PreviousSnapshot());
    }
}
