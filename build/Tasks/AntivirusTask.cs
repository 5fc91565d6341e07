using AlpineMirror.Build.Hosting;
using AlpineMirror.Build.Printing;
using AlpineMirror.ClamAv;
using AlpineMirror.Storage;
using Cake.Core;
using Cake.Core.Diagnostics;
using Spectre.Console;

namespace AlpineMirror.Build.Tasks;

[TaskName(nameof(Antivirus))]
[TaskDescription("Mirror ClamAV's databases into [ALPINE]/clamav: verified with ClamAV's keys, patches published before the .cvd, within the CDN's rules")]
public sealed class Antivirus : AsyncFrostingTask<MirrorContext>, IDryRunTask
{
    public override bool ShouldRun(MirrorContext context)
    {
        if (context.Target == nameof(Antivirus) || context.Options.ClamAv.Enabled)
        {
            return true;
        }

        context.Log.Verbose("The antivirus feed is off (--clamav=true turns it on in Update).");
        return false;
    }

    public override async Task RunAsync(MirrorContext context)
    {
        // The feed's own lock: a check several times a day never waits behind a long Alpine update.
        using var feedLock = RunLock.AcquireFeed(context.Root, ClamAvMirror.Feed);
        if (feedLock.TakenOverFrom is { } stale)
        {
            context.Log.Warning("Took over the antivirus lock of a run that is gone: {0}", stale);
        }

        context.Antivirus = await context.CreateClamAvMirror().UpdateAsync(context.Cancellation);
        AntivirusPrinter.Print(context.Antivirus, AnsiConsole.Console);
        context.Antivirus.ThrowIfFailed();

        // Only once the feed published: stations that take everything through apk get the same databases.
        if (context.Options.ClamAv.Package is not null)
        {
            context.AntivirusPackage = await context.CreateClamAvPackagePublisher().PublishAsync(context.Cancellation);
            context.Log.Information("{0}", context.AntivirusPackage.Summary());
        }
    }

    public async Task DryRunAsync(ICakeContext cakeContext)
    {
        var context = (MirrorContext)cakeContext;
        context.AntivirusPlan = await context.CreateClamAvMirror().PlanAsync(context.Cancellation);
        AntivirusPrinter.Print(context.AntivirusPlan, AnsiConsole.Console);
    }
}
