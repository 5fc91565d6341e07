using System.Text.Json;
using AlpineMirror.Build;
using AlpineMirror.Build.Hosting;
using AlpineMirror.Tests.Apk;
using AlpineMirror.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace AlpineMirror.Tests.Tasks;

/// <summary>The Plan target run through the real Cake host, as ./build.sh --target=Plan runs it.</summary>
[Trait(ChildHostProcess.Trait, ChildHostProcess.TraitValue)]
public sealed class PlanTaskTests(DemoReleases releases) : ServedDemoUpstream(releases)
{
    private readonly StringWriter _errors = new();

    private string Report => Path.Combine(Root.Path, "..", Path.GetFileName(Root.Path) + ".plan.json");

    private async Task<int> PlanAsync(params string[] extra)
    {
        string[] args =
        [
            "--target=Plan", $"--root={Root.Path}", $"--upstream={Server.BaseUri}", "--branch=v3.15",
            $"--keys={Releases.KeysDirectory}", "--retries=0", "--timeout=5", $"--report={Report}", .. extra,
        ];
        return await MirrorHost.Create()
            .UseErrorOutput(_errors)
            .RunAsync(args);
    }

    private string ErrorLine()
    {
        var lines = _errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return Assert.Single(lines);
    }

    private void Serve(string pathSuffix, byte[] body) =>
        Server.Intercept = (context, serve) =>
            context.Request.Path.Value!.EndsWith(pathSuffix, StringComparison.Ordinal)
                ? context.Response.Body.WriteAsync(body).AsTask()
                : serve();

    [Fact]
    public async Task Should_write_the_json_report_with_the_documented_fields()
    {
        Root.PublishCopy(Releases.BranchDirectory(Releases.FirstRoot), "3.15.4");
        Server.Root = Releases.SecondRoot;

        Assert.Equal(ExitCodes.Success, await PlanAsync());

        using var report = JsonDocument.Parse(File.ReadAllText(Report));
        var json = report.RootElement;
        Assert.Equal("3.15.5", json.GetProperty("snapshot").GetString());
        Assert.Equal("3.15.4", json.GetProperty("previousSnapshot").GetString());
        Assert.Equal("v3.15", json.GetProperty("branch").GetString());
        var community = json.GetProperty("repositories").EnumerateArray().Single(r => r.GetProperty("repo").GetString() == "community");
        Assert.Equal("x86_64", community.GetProperty("arch").GetString());
        Assert.Equal(1, community.GetProperty("added").GetInt32());
        Assert.Equal(1, community.GetProperty("removed").GetInt32());
        Assert.Equal(0, community.GetProperty("updated").GetInt32());
        Assert.Equal("btop", community.GetProperty("addedPackages")[0].GetProperty("name").GetString());
        Assert.Equal("neofetch", community.GetProperty("removedPackages")[0].GetProperty("name").GetString());
        Assert.True(community.GetProperty("downloadBytes").GetInt64() > 0);
        Assert.Equal(8, json.GetProperty("totals").GetProperty("packagesToFetch").GetInt32());
        Assert.True(json.GetProperty("totals").GetProperty("downloadBytes").GetInt64() > community.GetProperty("downloadBytes").GetInt64());
        Assert.Equal("3.15.5", json.GetProperty("releases")[0].GetProperty("version").GetString());
        var kernel = json.GetProperty("kernels").EnumerateArray().Single(k => k.GetProperty("package").GetString() == "linux-virt");
        Assert.Equal("5.15.40-r0", kernel.GetProperty("from").GetString());
        Assert.Equal("5.15.41-r0", kernel.GetProperty("to").GetString());
        Assert.True(kernel.GetProperty("changed").GetBoolean());
    }

    [Fact]
    public async Task Should_fail_with_verification_exit_code_on_a_tampered_index()
    {
        Server.Intercept = FaultInjection.ForPath("main/x86_64/APKINDEX.tar.gz", FaultInjection.FlipByte(2000));

        Assert.Equal(MirrorExitCodes.Verification, await PlanAsync());
        Assert.Matches(@"^Error: http://127\.0\.0\.1:\d+/alpine/v3\.15/main/x86_64/APKINDEX\.tar\.gz: ", ErrorLine());
        using var report = JsonDocument.Parse(File.ReadAllText(Report));
        Assert.False(report.RootElement.GetProperty("succeeded").GetBoolean());
        Assert.Equal(MirrorExitCodes.Verification, report.RootElement.GetProperty("exitCode").GetInt32());
        Assert.Equal(ErrorLine()["Error: ".Length..], report.RootElement.GetProperty("error").GetString());
        Assert.Contains("Plan: failed", File.ReadAllText(Path.ChangeExtension(Report, ".md")));
    }

    [Fact]
    public async Task Should_refuse_an_unsigned_index()
    {
        using var factory = new SignedIndexFactory();
        Serve("main/x86_64/APKINDEX.tar.gz", factory.Create(apkindex: null));

        Assert.Equal(MirrorExitCodes.Verification, await PlanAsync());
        Assert.Contains("main/x86_64/APKINDEX.tar.gz: ", ErrorLine());
    }

    [Fact]
    public async Task Should_refuse_an_index_signed_by_an_unknown_key()
    {
        using var stranger = new SignedIndexFactory("stranger@example.org-0badc0de.rsa.pub");

        Assert.Equal(MirrorExitCodes.Verification, await PlanAsync($"--keys={stranger.KeysDirectory}"));
        Assert.Contains("demo@alpinemirror.test", ErrorLine());
    }

    [Fact]
    public async Task Should_refuse_a_truncated_index()
    {
        var index = File.ReadAllBytes(Path.Combine(Releases.FirstRoot, "v3.15", "main", "x86_64", "APKINDEX.tar.gz"));
        Serve("main/x86_64/APKINDEX.tar.gz", index[..(index.Length / 2)]);

        Assert.Equal(MirrorExitCodes.Verification, await PlanAsync());
        Assert.Contains("main/x86_64/APKINDEX.tar.gz: ", ErrorLine());
    }

    [Theory]
    [InlineData("C:Q1hdUpqRv5mYgJEqW52UmVsvmeysE=\nP:evil\nV:1.0-r0\nA:x86_64\nS:1\nthis line has no colon\n", "line 6")]
    [InlineData("C:Q1hdUpqRv5mYgJEqW52UmVsvmeysE=\nP:../../etc/passwd\nV:1.0-r0\nA:x86_64\nS:1\n", "P:")]
    [InlineData("C:Q1hdUpqRv5mYgJEqW52UmVsvmeysE=\nP:evil\nV:1.0-r0/..\nA:x86_64\nS:1\n", "V:")]
    [InlineData("C:Q1hdUpqRv5mYgJEqW52UmVsvmeysE=\nP:evil\nV:1.0-r0\nA:x86_64\n", "S")]
    [InlineData("P:evil\nV:1.0-r0\nA:x86_64\nS:1\n", "C")]
    public async Task Should_refuse_a_signed_index_with_hostile_or_missing_fields(string apkindex, string field)
    {
        using var factory = new SignedIndexFactory();
        Serve("main/x86_64/APKINDEX.tar.gz", factory.Create(apkindex));
        var keys = Directory.CreateTempSubdirectory("keys-").FullName;
        File.Copy(Directory.GetFiles(factory.KeysDirectory).Single(), Path.Combine(keys, factory.KeyName));

        try
        {
            Assert.Equal(MirrorExitCodes.Verification, await PlanAsync($"--keys={keys}"));
            var error = ErrorLine();
            Assert.Contains("main/x86_64/APKINDEX.tar.gz", error);
            Assert.Contains(field, error);
        }
        finally
        {
            Directory.Delete(keys, recursive: true);
        }
    }

    [Fact]
    public async Task Should_refuse_a_malformed_latest_releases_yaml()
    {
        Serve("latest-releases.yaml", "---\n- title: x\n  file: [oops\n"u8.ToArray());

        Assert.Equal(MirrorExitCodes.Verification, await PlanAsync());
        Assert.Contains("latest-releases.yaml: ", ErrorLine());
    }

    [Fact]
    public async Task Should_fail_with_network_exit_code_when_upstream_is_unreachable()
    {
        var closedPort = new Uri($"http://127.0.0.1:{FreePort()}/alpine");

        Assert.Equal(MirrorExitCodes.Network, await PlanAsync($"--upstream={closedPort}"));
        Assert.StartsWith($"Error: {closedPort}/v3.15/main/x86_64/APKINDEX.tar.gz: ", ErrorLine());
    }

    [Fact]
    public async Task Should_fail_with_usage_exit_code_on_a_missing_keys_directory()
    {
        var missing = Path.Combine(Root.Path, "no-such-keys");

        Assert.Equal(ExitCodes.Usage, await PlanAsync($"--keys={missing}"));
        Assert.StartsWith($"Error: {missing}: ", ErrorLine());
    }

    [Fact]
    public async Task Should_plan_past_a_folder_named_almost_like_a_snapshot_and_warn_naming_it()
    {
        // Given 3.15.4 published and a stray folder whose last digit is an Arabic-Indic zero
        Root.PublishCopy(Releases.BranchDirectory(Releases.FirstRoot), "3.15.4");
        Directory.CreateDirectory(Path.Combine(Root.Path, "3.15.4\u0660"));
        Server.Root = Releases.SecondRoot;

        // When Plan runs, as ./build.sh runs it
        var run = await ChildHostProcess.RunAsync(
            ["--target=Plan", $"--root={Root.Path}", $"--upstream={Server.BaseUri}", "--branch=v3.15", $"--keys={Releases.KeysDirectory}",
             "--retries=0", "--timeout=5", $"--report={Report}"],
            TimeSpan.FromSeconds(60));

        // Then the stray folder is ignored with a warning that names it, and the plan is made as without it
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Contains($"3.15.4\u0660", run.Output);
        Assert.Contains("not a snapshot name", run.Output);
        using var report = JsonDocument.Parse(File.ReadAllText(Report));
        Assert.Equal("3.15.5", report.RootElement.GetProperty("snapshot").GetString());
    }

    [Fact]
    public async Task Should_require_a_branch()
    {
        var exitCode = await MirrorHost.Create()
            .UseErrorOutput(_errors)
            .RunAsync(["--target=Plan", $"--root={Root.Path}", $"--keys={Releases.KeysDirectory}"]);

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Equal("Error: --branch: the upstream branch is required (e.g. --branch=v3.15)", ErrorLine());
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
