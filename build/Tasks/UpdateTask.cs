using AlpineMirror.Build.Hosting;

namespace AlpineMirror.Build.Tasks;

[TaskName(nameof(Update))]
[TaskDescription("Plan, Snapshot, Mirror, Verify, Relink, InHouse, TriggerAnsible, Antivirus (with --clamav=true): publish a new verified snapshot atomically, refresh the in-house repository, deploy, then refresh the antivirus databases")]
[IsDependentOn(typeof(Relink))]
[IsDependentOn(typeof(InHouse))]
[IsDependentOn(typeof(TriggerAnsible))]
// After the deploy, so a failing antivirus feed never leaves a published Alpine snapshot undeployed.
[IsDependentOn(typeof(Antivirus))]
public sealed class Update : FrostingTask<MirrorContext>
{
    // A feed that failed let the deploy of the published snapshot run; the run still ends with its failure.
    public override void Run(MirrorContext context)
    {
        if (context.FeedFailure is { } failure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }
}
