using AlpineMirror.Build.Hosting;
using AlpineMirror.Build.Printing;
using AlpineMirror.Planning;
using AlpineMirror.Upstream;
using Spectre.Console;

namespace AlpineMirror.Build.Tasks;

[TaskName(nameof(Plan))]
[TaskDescription("Dry run: verify upstream's signed indexes and show what an update would do; writes nothing under --root")]
public sealed class Plan : AsyncFrostingTask<MirrorContext>
{
    public override async Task RunAsync(MirrorContext context)
    {
        using var client = new UpstreamClient();
        context.Plan = await context.CreatePlanner(client).PlanAsync(context.Options, context.Cancellation);
        PlanPrinter.Print(context.Plan, AnsiConsole.Console);
        if (context.Options.Report is { } report)
        {
            await File.WriteAllTextAsync(report, PlanReport.From(context.Plan).ToJson(), context.Cancellation);
        }
    }
}
