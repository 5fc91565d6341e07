using AlpineMirror.Build.Hosting;

namespace AlpineMirror.Build.Tasks;

[TaskName(nameof(Update))]
[TaskDescription("Plan, Snapshot, Mirror, Verify, Relink, TriggerAnsible, Antivirus (with --clamav=true): publish a new verified snapshot atomically, deploy it, then refresh the antivirus databases")]
[IsDependentOn(typeof(Relink))]
[IsDependentOn(typeof(TriggerAnsible))]
// After the deploy, so a failing antivirus feed never leaves a published Alpine snapshot undeployed.
[IsDependentOn(typeof(Antivirus))]
public sealed class Update : FrostingTask<MirrorContext>;
