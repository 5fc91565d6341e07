using AlpineMirror.Build.Hosting;
using AlpineMirror.InHouse;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace AlpineMirror.Build.Tasks;

[TaskName(nameof(InHouse))]
[TaskDescription("Publish the in-house repository from --inhouse-incoming and --inhouse-upstream: every package verified, each arch's index signed, atomically")]
public sealed class InHouse : AsyncFrostingTask<MirrorContext>, IDryRunTask
{
    public override bool ShouldRun(MirrorContext context)
    {
        if (!context.Options.InHouse.HasSource)
        {
            context.Log.Information("No in-house source (--inhouse-incoming, --inhouse-upstream): the in-house repository is left as it is.");
            return false;
        }

        return true;
    }

    public override async Task RunAsync(MirrorContext context)
    {
        context.InHouse = await context.InHouseFeed().UpdateAsync(context.Cancellation);
        context.Log.Information(context.InHouse.Published ? "Published {0}" : "Nothing new: {0}", context.InHouse.Summary());
    }

    public async Task DryRunAsync(ICakeContext cakeContext)
    {
        var context = (MirrorContext)cakeContext;
        if (ShouldRun(context))
        {
            var plan = await context.InHouseFeed().PlanAsync(context.Cancellation);
            context.InHouse = InHouseResult.From("plan", plan, published: false);
            context.Log.Information(plan.HasChanges ? "Would publish {0}" : "Nothing would change: {0}", context.InHouse.Summary());
        }
    }

    // In Update the in-house feed must not hold back the deploy of an Alpine snapshot already published.
    public override void OnError(Exception exception, MirrorContext context)
    {
        if (context.Target != nameof(Update))
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(exception);
        }

        context.Log.Error("InHouse failed, nothing of it was published: {0}", exception.Message);
        context.FeedFailure ??= exception;
    }
}
