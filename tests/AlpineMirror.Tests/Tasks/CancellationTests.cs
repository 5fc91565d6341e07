using System.Diagnostics;
using AlpineMirror.Build.Hosting;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.Tasks;

/// <summary>A CI job stopped mid-run (SIGTERM) ends the update cleanly: nothing partial, nothing published.</summary>
[Trait(ChildHostProcess.Trait, ChildHostProcess.TraitValue)]
public sealed class CancellationTests(DemoReleases releases) : ServedDemoUpstream(releases)
{
    [Fact]
    public async Task Should_stop_on_SIGTERM_without_leaving_partial_files_or_publishing()
    {
        var packageRequests = 0;
        Server.Intercept = async (context, serve) =>
        {
            if (context.Request.Path.Value!.EndsWith(".apk", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref packageRequests);
                await Task.Delay(TimeSpan.FromMilliseconds(500), context.RequestAborted).ContinueWith(_ => { });
            }

            await serve();
        };
        using var child = ChildHostProcess.Start(
        [
            "--target=Update", $"--root={Root.Path}", $"--upstream={Server.BaseUri}", "--branch=v3.15",
            $"--keys={Releases.KeysDirectory}", "--parallel=2",
        ]);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Volatile.Read(ref packageRequests) < 4 && DateTime.UtcNow < deadline && !child.HasExited)
        {
            await Task.Delay(20);
        }

        Assert.False(child.HasExited, child.Output + child.Error);
        using (var kill = Process.Start("kill", ["-TERM", child.Id.ToString()]))
        {
            await kill.WaitForExitAsync();
        }

        var run = await child.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.NotEqual(ExitCodes.Success, run.ExitCode);
        Assert.Equal("Error: the run was cancelled (Ctrl+C or SIGTERM); work in progress is kept for the next run to resume", run.SingleErrorLine());
        Assert.Empty(TreeDigest.Temporaries(Root.Path));
        Assert.False(File.Exists(Path.Combine(Root.Path, "latest-stable")));
        Assert.False(Directory.Exists(Path.Combine(Root.Path, "3.15.4")));
        Assert.True(Directory.Exists(Path.Combine(Root.Path, ".alpinemirror", "staging", "3.15.4")), "the staging folder is kept to resume");
    }
}
