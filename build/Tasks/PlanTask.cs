using AlpineMirror.Apk;
using AlpineMirror.Build.Hosting;
using AlpineMirror.Build.Printing;
using AlpineMirror.InHouse;
using AlpineMirror.Planning;
using AlpineMirror.Upstream;
using Cake.Core;
using Cake.Core.Diagnostics;
using Spectre.Console;

namespace AlpineMirror.Build.Tasks;

[TaskName(nameof(Plan))]
[TaskDescription("Dry run: verify upstream's signed indexes and show what an update would do; writes nothing under --root")]
public sealed class Plan : AsyncFrostingTask<MirrorContext>, IDryRunTask
{
    // Planning changes nothing under --root, so a dry run computes the real plan.
    public Task DryRunAsync(ICakeContext context) => RunAsync((MirrorContext)context);

    public override async Task RunAsync(MirrorContext context)
    {
        using var client = context.CreateUpstreamClient();
        if (ReleaseSigningKeys.PlainHttpWarning(context.Options.Upstream, context.Options.ReleaseKeys) is { } plainHttp)
        {
            context.Log.Warning("{0}", plainHttp);
        }

        // Loaded here too, so a bad --release-keys stops the run before anything is fetched.
        context.LoadReleaseKeys();
        using var keys = TrustedKeys.Load(context.Options.Keys);
        context.Plan = await new MirrorPlanner(client, keys).PlanAsync(context.Options, context.Cancellation);
        foreach (var warning in context.Plan.Warnings)
        {
            context.Log.Warning("{0}", warning);
        }

        PlanPrinter.Print(context.Plan, AnsiConsole.Console);
        if (context.Target == nameof(Plan) && context.Options.InHouse.HasSource)
        {
            // Only for the Plan target: in Update the InHouse task plans and publishes the in-house feed itself.
            var inHouse = await context.InHouseFeed().PlanAsync(context.Cancellation);
            context.InHouse = InHouseResult.From("plan", inHouse, published: false);
            AnsiConsole.Console.WriteLine($"In-house {context.InHouse.Summary()}");
        }
    }
}
