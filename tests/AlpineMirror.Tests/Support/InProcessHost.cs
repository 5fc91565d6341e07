using AlpineMirror.Build;

namespace AlpineMirror.Tests.Support;

/// <summary>Runs a target through the real Cake host in this process, built as build/Program.cs builds it.</summary>
public static class InProcessHost
{
    public static async Task<HostRun> RunAsync(IReadOnlyList<string> args)
    {
        var errors = new StringWriter();
        var exitCode = await MirrorHost.Create().UseErrorOutput(errors).RunAsync(args);
        return new HostRun(exitCode, "", errors.ToString());
    }
}
