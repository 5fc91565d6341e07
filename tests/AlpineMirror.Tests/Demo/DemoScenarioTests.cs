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
    public async Task Should_plan_the_first_demo_release_on_an_empty_root()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });

        await new DemoScenario(_workspace, Verbosity.Quiet, console).RunAsync(CancellationToken.None);

        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_workspace, "reports", "plan-3.15.4.json")));
        Assert.Equal("3.15.4", report.RootElement.GetProperty("snapshot").GetString());
        Assert.Equal(34, report.RootElement.GetProperty("totals").GetProperty("packagesToFetch").GetInt32());
        Assert.Contains("mirror root", output.ToString());
    }
}
