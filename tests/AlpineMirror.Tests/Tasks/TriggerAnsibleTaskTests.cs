using System.Text.Json;
using AlpineMirror.Build;
using AlpineMirror.Build.Hosting;
using AlpineMirror.Tests.Ci;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.Tasks;

/// <summary>Update and Rollback ending in a real deploy: the sample playbook run by the real ansible-playbook.</summary>
public sealed class TriggerAnsibleTaskTests(DemoReleases releases) : ServedDemoUpstream(releases)
{
    private readonly string _boot = Directory.CreateTempSubdirectory("boot-").FullName;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_boot, recursive: true);
    }

    private static string SamplePlaybook => Path.Combine(RepositoryRoot.Path, "deploy", "boot-infrastructure.yml");
    private string Report => Root.Path + ".report.json";

    private Task<HostRun> RunAsync(string target, params string[] extra) => InProcessHost.RunAsync(
    [
        $"--target={target}", $"--root={Root.Path}", $"--upstream={Server.BaseUri}", "--branch=v3.15",
        $"--keys={Releases.KeysDirectory}", "--retries=1", "--timeout=5", $"--report={Report}",
        $"--ansible-playbook={SamplePlaybook}", "--ansible-inventory=localhost,",
        $"--ansible-args=-c local -e boot_root={_boot}", .. extra,
    ]);

    private JsonElement Deployed(string version)
    {
        using var deployed = JsonDocument.Parse(File.ReadAllText(Path.Combine(_boot, "alpine", version, "deployed.json")));
        return deployed.RootElement.Clone();
    }

    [Fact]
    public async Task Should_deploy_each_published_release_and_follow_a_rollback()
    {
        var first = await RunAsync("Update");
        Assert.True(first.ExitCode == ExitCodes.Success, first.ToString());
        Assert.Equal("3.15.4", new FileInfo(Path.Combine(_boot, "alpine", "current")).LinkTarget);
        Assert.True(File.Exists(Path.Combine(_boot, "alpine", "3.15.4", "vmlinuz-lts")));

        Server.Root = Releases.SecondRoot;
        var second = await RunAsync("Update", "--deploy=kernel-change");

        Assert.True(second.ExitCode == ExitCodes.Success, second.ToString());
        var variables = Deployed("3.15.5");
        Assert.Equal("3.15.5", variables.GetProperty("alpine_version").GetString());
        Assert.Equal("3.15.4", variables.GetProperty("alpine_previous_version").GetString());
        Assert.Equal("v3.15", variables.GetProperty("alpine_branch").GetString());
        Assert.Equal(Path.Combine(Root.Path, "3.15.5"), variables.GetProperty("alpine_snapshot_path").GetString());
        Assert.Equal("5.15.41-r0", variables.GetProperty("linux_lts_version").GetString());
        Assert.Equal("4.15.2-r1", variables.GetProperty("xen_version").GetString());
        Assert.True(variables.GetProperty("kernel_changed").GetBoolean());
        Assert.True(variables.GetProperty("xen_changed").GetBoolean());
        Assert.Contains("3.15.5", File.ReadAllText(Path.Combine(_boot, "alpine", "menu.ipxe")));
        using (var report = JsonDocument.Parse(File.ReadAllText(Report)))
        {
            Assert.Equal("deployed", report.RootElement.GetProperty("deploy").GetProperty("status").GetString());
        }

        var rollback = await RunAsync("Rollback");

        Assert.True(rollback.ExitCode == ExitCodes.Success, rollback.ToString());
        Assert.Equal("3.15.4", new FileInfo(Path.Combine(_boot, "alpine", "current")).LinkTarget);
        Assert.Equal("3.15.5", Deployed("3.15.4").GetProperty("alpine_previous_version").GetString());
    }

    [Fact]
    public async Task Should_skip_the_deploy_when_the_policy_says_so_and_say_why()
    {
        var run = await RunAsync("Update", "--deploy=never");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.False(Directory.Exists(Path.Combine(_boot, "alpine")));
        using var report = JsonDocument.Parse(File.ReadAllText(Report));
        var deploy = report.RootElement.GetProperty("deploy");
        Assert.Equal("skipped", deploy.GetProperty("status").GetString());
        Assert.Equal("--deploy=never", deploy.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Should_fail_the_build_with_the_playbook_output_when_the_playbook_fails()
    {
        var run = await RunAsync("Update", $"--ansible-playbook={FailingPlaybook()}");

        Assert.Equal(MirrorExitCodes.Deploy, run.ExitCode);
        Assert.Contains("boot server refused 3.15.4", run.SingleErrorLine());
        Assert.Equal("3.15.4", new FileInfo(Path.Combine(Root.Path, "latest-stable")).LinkTarget);
        using var report = JsonDocument.Parse(File.ReadAllText(Report));
        Assert.Equal("failed", report.RootElement.GetProperty("deploy").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Should_deploy_again_on_the_next_update_when_the_deploy_of_the_published_snapshot_did_not_complete()
    {
        // Given 3.15.4 published and deployed, then 3.15.5 published but its deploy failed
        var first = await RunAsync("Update");
        Assert.True(first.ExitCode == ExitCodes.Success, first.ToString());
        Server.Root = Releases.SecondRoot;
        var failed = await RunAsync("Update", $"--ansible-playbook={FailingPlaybook()}");
        Assert.Equal(MirrorExitCodes.Deploy, failed.ExitCode);
        Assert.Equal("3.15.4", new FileInfo(Path.Combine(_boot, "alpine", "current")).LinkTarget);

        // When the next update finds nothing new upstream, deploying only when kernels change
        var retried = await RunAsync("Update", "--deploy=kernel-change");

        // Then 3.15.5 is deployed, its kernels compared with what the boot servers last got
        Assert.True(retried.ExitCode == ExitCodes.Success, retried.ToString());
        Assert.Equal("3.15.5", new FileInfo(Path.Combine(_boot, "alpine", "current")).LinkTarget);
        var variables = Deployed("3.15.5");
        Assert.Equal("3.15.4", variables.GetProperty("alpine_previous_version").GetString());
        Assert.True(variables.GetProperty("kernel_changed").GetBoolean());
        Assert.Equal("deployed", DeployStatus());

        // When the update after that runs
        var quiet = await RunAsync("Update");

        // Then nothing is deployed again
        Assert.True(quiet.ExitCode == ExitCodes.Success, quiet.ToString());
        Assert.Null(DeployStatus());
    }

    private string? DeployStatus()
    {
        using var report = JsonDocument.Parse(File.ReadAllText(Report));
        var deploy = report.RootElement.GetProperty("deploy");
        return deploy.ValueKind == JsonValueKind.Null ? null : deploy.GetProperty("status").GetString();
    }

    private string FailingPlaybook()
    {
        var failing = Path.Combine(_boot, "failing.yml");
        File.WriteAllText(failing, """
            - hosts: all
              gather_facts: false
              tasks:
                - ansible.builtin.fail:
                    msg: "boot server refused {{ alpine_version }}"
            """);
        return failing;
    }

    [Fact]
    public async Task Should_refuse_an_incomplete_deploy_configuration_before_mirroring()
    {
        var run = await InProcessHost.RunAsync(
        [
            "--target=Update", $"--root={Root.Path}", $"--upstream={Server.BaseUri}", "--branch=v3.15",
            $"--keys={Releases.KeysDirectory}", $"--ansible-playbook={SamplePlaybook}",
        ]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.StartsWith("Error: --ansible-inventory: ", run.SingleErrorLine());
        Assert.Empty(Server.RequestedPaths);
        Assert.False(File.Exists(Path.Combine(Root.Path, "latest-stable")));
    }
}
