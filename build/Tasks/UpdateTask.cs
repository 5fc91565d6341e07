using AlpineMirror.Build.Hosting;

namespace AlpineMirror.Build.Tasks;

[TaskName(nameof(Update))]
[TaskDescription("Plan, Snapshot, Mirror, Verify, Relink, Antivirus (with --clamav=true), TriggerAnsible: publish a new verified snapshot atomically, then deploy it")]
[IsDependentOn(typeof(Relink))]
[IsDependentOn(typeof(Antivirus))]
[IsDependentOn(typeof(TriggerAnsible))]
public sealed class Update : FrostingTask<MirrorContext>;
