using AlpineMirror.Apk;
using AlpineMirror.Build.Hosting;
using AlpineMirror.Build.Printing;
using AlpineMirror.Reporting;
using AlpineMirror.Mirroring;
using Cake.Core.Diagnostics;
using Spectre.Console;

namespace AlpineMirror.Build.Tasks;

[TaskName(nameof(Mirror))]
[TaskDescription("Download what the plan needs into staging, each file verified while it streams; indexes last")]
[IsDependentOn(typeof(Snapshot))]
public sealed class Mirror : AsyncFrostingTask<MirrorContext>
{
    public override bool ShouldRun(MirrorContext context) => context.Plan is not { NeedsMirror: false };

    public override async Task RunAsync(MirrorContext context)
    {
        using var client = context.CreateUpstreamClient();
        using var packageKeys = TrustedKeys.Load(context.Options.Keys);
        var executor = new MirrorExecutor(client, context.ClientOptions);
        var plan = context.RequirePlan();
        var flush = new StagingFlush(context.StagingPath);
        context.Mirrored = await MirrorProgressPrinter.RunAsync(AnsiConsole.Console, progress => executor.ExecuteAsync(
            plan,
            context.Layout,
            context.StagingPath,
            VerifiedSnapshot.Find(context.Root, plan.PreviousSnapshot),
            new MirrorSettings { Parallel = context.Options.Parallel, Mode = context.Options.Verify, ReleaseKeys = context.LoadReleaseKeys(), PackageKeys = packageKeys },
            flush.Watch(progress),
            context.Cancellation));
        context.StagingFlushed = flush.Finish();
        var result = context.Mirrored;
        context.Log.Information(
            "Mirrored in {0:0.0} s: {1} files downloaded ({2}), {3} reused, {4} removed, {5} resumed, {6} retried",
            result.Duration.TotalSeconds,
            result.Downloaded,
            ByteSize.Format(result.BytesDownloaded),
            result.Reused,
            result.Removed,
            result.Resumed,
            result.Retried);
    }
}
