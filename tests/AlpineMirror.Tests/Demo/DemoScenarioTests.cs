using System.Text.Json;
using AlpineMirror.Build.Demo;
using Cake.Core.Diagnostics;
using Spectre.Console;

namespace AlpineMirror.Tests.Demo;

public sealed class DemoScenarioTests : IDisposable
{
    private readonly string _workspace = Path.Combine(Path.GetTempPath(), $"demo-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_workspace))
        {
            Directory.Delete(_workspace, recursive: true);
        }
    }

    [Fact]
    public async Task Should_publish_both_releases_then_roll_back_to_the_first()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No });

        await new DemoScenario(_workspace, Verbosity.Quiet, console).RunAsync(CancellationToken.None);

        var root = Path.Combine(_workspace, "alpine");
        using var first = JsonDocument.Parse(File.ReadAllText(Path.Combine(_workspace, "reports", "update-3.15.4.json")));
        Assert.Equal(34, first.RootElement.GetProperty("totals").GetProperty("packagesToFetch").GetInt32());
        using var second = JsonDocument.Parse(File.ReadAllText(Path.Combine(_workspace, "reports", "plan-3.15.5.json")));
        Assert.Equal("3.15.4", second.RootElement.GetProperty("previousSnapshot").GetString());
        Assert.Equal(8, second.RootElement.GetProperty("totals").GetProperty("packagesToFetch").GetInt32());
        Assert.True(Directory.Exists(Path.Combine(root, "3.15.5", "main", "x86_64")));
        Assert.Equal("3.15.4", new FileInfo(Path.Combine(root, "latest-stable")).LinkTarget);
        Assert.Equal("3.15.4", new FileInfo(Path.Combine(root, "v3.15")).LinkTarget);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(root, ".alpinemirror", "history.jsonl")).Length);
        Assert.Contains("latest-stable -> 3.15.4", output.ToString());

        // And the in-house repository holds the noarch package in both arches and each agent in its own, signed with the demo's key
        using var inHouse = JsonDocument.Parse(File.ReadAllText(Path.Combine(_workspace, "reports", "inhouse.json")));
        Assert.Equal(4, inHouse.RootElement.GetProperty("inhouse").GetProperty("added").GetInt32());
        Assert.True(File.Exists(Path.Combine(root, "panoptiscan", "aarch64", "panoptiscan-agent-1.0.0-r0.apk")));
        Assert.True(File.Exists(Path.Combine(root, "panoptiscan", "x86_64", "station-config-1.0.0-r0.apk")));
        Assert.Contains("http://<mirror>/panoptiscan/panoptiscan.rsa.pub", output.ToString());

        // And the antivirus mirror went from the test database's version 3 to 6 through its patches
        using var antivirus = JsonDocument.Parse(File.ReadAllText(Path.Combine(_workspace, "reports", "antivirus-6.json")));
        var test = antivirus.RootElement.GetProperty("antivirus").GetProperty("databases")[0];
        Assert.Equal((3, 6), (test.GetProperty("from").GetInt32(), test.GetProperty("to").GetInt32()));
        Assert.True(File.Exists(Path.Combine(root, "clamav", "test-6.cdiff")));
    }
}
