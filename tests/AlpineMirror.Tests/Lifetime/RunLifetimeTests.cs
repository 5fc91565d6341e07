using System.Text.Json;
using AlpineMirror.Build;
using AlpineMirror.Build.Hosting;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.Lifetime;

/// <summary>Run reports and CI output of the built host, run as a child process with its own environment.</summary>
[Trait(ChildHostProcess.Trait, ChildHostProcess.TraitValue)]
public sealed class RunLifetimeTests(DemoReleases releases) : ServedDemoUpstream(releases)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly string _summary = Path.GetTempFileName();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        File.Delete(_summary);
    }

    private string[] Args(string target, string keys) =>
    [
        $"--target={target}", $"--root={Root.Path}", $"--upstream={Server.BaseUri}", "--branch=v3.15",
        $"--keys={keys}", "--retries=0", "--timeout=5",
    ];

    private Dictionary<string, string?> GitHubActions(bool on) => new()
    {
        ["GITHUB_ACTIONS"] = on ? "true" : null,
        ["GITHUB_STEP_SUMMARY"] = on ? _summary : null,
        ["JENKINS_URL"] = null,
    };

    [Fact]
    public async Task Should_write_the_step_summary_and_fold_tasks_on_GitHub_Actions()
    {
        var run = await ChildHostProcess.RunAsync(Args("Update", Releases.KeysDirectory), Timeout, GitHubActions(on: true));

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Contains("::group::Plan", run.Output);
        Assert.Contains("::group::Relink", run.Output);
        Assert.Contains("::endgroup::", run.Output);
        Assert.DoesNotContain("::error::", run.Output);
        var summary = File.ReadAllText(_summary);
        Assert.Contains("### AlpineMirror Update: succeeded", summary);
        Assert.Contains("| latest-stable | none → 3.15.4 |", summary);
    }

    [Fact]
    public async Task Should_annotate_the_error_on_GitHub_Actions()
    {
        var keys = Path.Combine(Root.Path, "..", Path.GetFileName(Root.Path) + "-nokeys");
        Directory.CreateDirectory(keys);
        File.WriteAllText(Path.Combine(keys, "stranger.rsa.pub"), File.ReadAllText(Directory.GetFiles(Releases.KeysDirectory).Single()));

        try
        {
            var run = await ChildHostProcess.RunAsync(Args("Plan", keys), Timeout, GitHubActions(on: true));

            Assert.Equal(MirrorExitCodes.Verification, run.ExitCode);
            Assert.Matches(@"::error::.*main/x86_64/APKINDEX\.tar\.gz", run.Output);
            Assert.Contains("### AlpineMirror Plan: failed", File.ReadAllText(_summary));
        }
        finally
        {
            Directory.Delete(keys, recursive: true);
        }
    }

    [Fact]
    public async Task Should_keep_the_log_plain_on_Jenkins_with_the_report_ready_to_archive()
    {
        var report = Path.Combine(Root.Path + "-artifacts", "reports", "update.json");
        Dictionary<string, string?> jenkins = new()
        {
            ["GITHUB_ACTIONS"] = null, ["JENKINS_URL"] = "http://jenkins.invalid/", ["JENKINS_HOME"] = "/var/lib/jenkins",
            ["BUILD_NUMBER"] = "42", ["TERM"] = null,
        };

        try
        {
            var run = await ChildHostProcess.RunAsync([.. Args("Update", Releases.KeysDirectory), $"--report={report}"], Timeout, jenkins);

            Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
            Assert.DoesNotContain('\u001b', run.Output);
            Assert.DoesNotContain("::group::", run.Output);
            Assert.True(File.Exists(report));
            Assert.Contains("### AlpineMirror Update: succeeded", File.ReadAllText(Path.ChangeExtension(report, ".md")));
        }
        finally
        {
            Directory.Delete(Root.Path + "-artifacts", recursive: true);
        }
    }

    [Fact]
    public async Task Should_print_no_GitHub_commands_elsewhere_and_keep_reports_under_the_root()
    {
        File.WriteAllText(_summary, "untouched");

        var run = await ChildHostProcess.RunAsync(Args("Update", Releases.KeysDirectory), Timeout, GitHubActions(on: false));

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.DoesNotContain("::group::", run.Output);
        Assert.Equal("untouched", File.ReadAllText(_summary));
        var reports = Path.Combine(Root.Path, ".alpinemirror", "reports");
        var json = Assert.Single(Directory.GetFiles(reports, "*-Update.json"));
        Assert.Single(Directory.GetFiles(reports, "*-Update.md"));
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        Assert.True(report.RootElement.GetProperty("succeeded").GetBoolean());
        Assert.Equal("3.15.4", report.RootElement.GetProperty("published").GetProperty("to").GetString());
        // 34 packages, and 3 images with their .sha256, .sha512 and .asc (the demo upstream signs its images).
        Assert.Equal(34 + 3 * 4, report.RootElement.GetProperty("mirror").GetProperty("downloaded").GetInt32());
        Assert.Equal("skipped", report.RootElement.GetProperty("deploy").GetProperty("status").GetString());
    }
}
