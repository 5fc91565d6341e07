using AlpineMirror.Build.Hosting;

namespace AlpineMirror.Build.Tasks;

[TaskName(nameof(Update))]
[TaskDescription("Plan, Snapshot, Mirror, Verify, Relink: publish a new verified snapshot atomically")]
[IsDependentOn(typeof(Relink))]
public sealed class Update : FrostingTask<MirrorContext>;
