using AlpineMirror.Apk;
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
        var plan = context.RequirePlan();
        using var packageKeys = TrustedKeys.Load(context.Options.Keys);
        var settings = new VerifySettings
        {
            MaxRemovedShare = context.Options.MaxRemovedShare,
            Force = context.Options.Force,
            Mode = context.Options.Verify,
            ReleaseKeys = context.LoadReleaseKeys(),
            PackageKeys = packageKeys,
        };
        context.Verified = StagingVerifier.Verify(
            plan, context.StagingPath, VerifiedSnapshot.Find(context.Root, plan.PreviousSnapshot), context.Mirrored?.Downloads, settings,
            context.Cancellation);
        var report = context.Verified;
        context.Log.Information(
            "Verified {0} packages and {1} release files in {2:0.0} s ({3}: {4} hashed, {5} files unchanged since {6}, {7} verified by this run's Mirror)",
            report.Packages,
            report.ReleaseFiles,
            report.Duration.TotalSeconds,
            report.Mode.ToString().ToLowerInvariant(),
            ByteSize.Format(report.BytesHashed),
            report.UnchangedFiles,
            plan.PreviousSnapshot ?? "nothing",
            report.MirroredFiles);
    }
}
