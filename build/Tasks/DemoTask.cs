using AlpineMirror.Build.Demo;
using AlpineMirror.Build.Hosting;
using Spectre.Console;

namespace AlpineMirror.Build.Tasks;

[TaskName(nameof(Demo))]
[TaskDescription("Mirror a generated, signed demo upstream served on 127.0.0.1 into artifacts/demo")]
public sealed class Demo : AsyncFrostingTask<MirrorContext>
{
    public override Task RunAsync(MirrorContext context) =>
        new DemoScenario(Path.GetFullPath(Path.Combine("artifacts", "demo")), context.Log.Verbosity, AnsiConsole.Console)
            .RunAsync(context.Cancellation);
}
