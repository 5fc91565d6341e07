using AlpineMirror.Build;
using AlpineMirror.Build.Hosting;

namespace AlpineMirror.Tests.Support;

/// <summary>Runs a target through the real Cake host in this process, wired as build/Program.cs wires it.</summary>
public static class InProcessHost
{
    public static async Task<HostRun> RunAsync(IReadOnlyList<string> args)
    {
        var errors = new StringWriter();
        var exitCode = await new CakeHost()
            .UseContext<MirrorContext>()
            .AddAssembly(typeof(MirrorContext).Assembly)
            .UseExitCodes(MirrorExitCodes.For)
            .UseErrorOutput(errors)
            .RunAsync(args);
        return new HostRun(exitCode, "", errors.ToString());
    }
}
