using AlpineMirror.Build.Hosting;
using Cake.Core.Diagnostics;

namespace AlpineMirror.Build.Tasks;

[TaskName(nameof(Withdraw))]
[TaskDescription("Withdraw --package=<name>-<version> from the in-house repository (indexes re-signed without it, kept out of later runs); --restore lifts a withdrawal")]
public sealed class Withdraw : FrostingTask<MirrorContext>
{
    public override void Run(MirrorContext context)
    {
        var options = context.Options.InHouse;
        context.InHouse = context.InHouseFeed().Withdraw(options.Package, options.Restore);
        context.Log.Information(
            options.Restore ? "Restored {0}: the next InHouse run takes it back from a source that still offers it." : "Withdrew {0}: {1}",
            options.Package,
            context.InHouse.Summary());
    }
}
