using AlpineMirror.Build.Hosting;
using AlpineMirror.Reporting;
using AlpineMirror.Mirroring;
using Cake.Core.Diagnostics;

namespace AlpineMirror.Build.Tasks;

[TaskName(nameof(Verify))]
[TaskDescription("Check the whole staging tree against the signed indexes and latest-releases.yaml; the wipe guard")]
[IsDependentOn(typeof(Mirror))]
public sealed class Verify : FrostingTask<MirrorContext>
{
    public override bool ShouldRun(MirrorContext context) => context.Plan is not { NeedsMirror: false };

    public override void Run(MirrorContext context)
    {
        var settings = new VerifySettings { MaxRemovedShare = context.Options.MaxRemovedShare, Force = context.Options.Force };
        context.Verified = StagingVerifier.Verify(context.RequirePlan(), context.StagingPath, settings, context.Cancellation);
        var report = context.Verified;
        context.Log.Information(
            "Verified {0} packages and {1} release files ({2}) in {3:0.0} s",
            report.Packages,
            report.ReleaseFiles,
            ByteSize.Format(report.BytesHashed),
            report.Duration.TotalSeconds);
    }
}
