using AlpineMirror.Apk;
using AlpineMirror.Build.Hosting;
using AlpineMirror.Demo;
using Cake.Core.Diagnostics;
using AlpineMirror.Build.Printing;
using Spectre.Console;

namespace AlpineMirror.Build.Demo;

/// <summary>
/// The newcomer's first run: a signed demo upstream with two point releases, served on 127.0.0.1, and the real
/// pipeline targets run against it through the same host, as an operator would run them.
/// </summary>
internal sealed class DemoScenario(string workspace, Verbosity verbosity, IAnsiConsole console)
{
    private string MirrorRoot => Path.Combine(workspace, "alpine");
    private string UpstreamRoot(UpstreamRelease release) => Path.Combine(workspace, "upstream", release.Version);
    private string KeysDirectory => Path.Combine(workspace, "keys");
    private string ReleaseKeysDirectory => Path.Combine(workspace, "release-keys");
    private string Report(string step) => Path.Combine(workspace, "reports", $"{step}.json");

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // A fresh key each run, so the workspace starts over: nothing in it is the operator's data.
        if (Directory.Exists(workspace))
        {
            Directory.Delete(workspace, recursive: true);
        }

        Directory.CreateDirectory(Path.Combine(workspace, "reports"));
        var (first, second) = UpstreamGenerator.Demo();
        using (var key = SigningKey.Create("demo@alpinemirror.test"))
        {
            var writer = new UpstreamWriter(key);
            writer.Write(UpstreamRoot(first), first);
            writer.Write(UpstreamRoot(second), second);
            key.WritePublicKey(Directory.CreateDirectory(KeysDirectory).FullName);
            ReleaseSigner.From(key).WritePublicKey(ReleaseKeysDirectory);
        }

        await using var server = new LocalUpstreamServer(UpstreamRoot(first));
        await server.StartAsync(cancellationToken);
        console.MarkupLine($"Demo upstream {first.Branch} release [bold]{first.Version}[/] served at {server.BaseUri}");

        await RunTargetAsync("Update", server, "update-" + first.Version);

        server.Root = UpstreamRoot(second);
        console.WriteLine();
        console.MarkupLine($"Upstream moved on to point release [bold]{second.Version}[/]: new kernels, Xen and OpenSSL.");
        await RunTargetAsync("Plan", server, "plan-" + second.Version);
        await RunTargetAsync("Update", server, "update-" + second.Version);
        await RunTargetAsync("Rollback", server, "rollback");
        await RunInHouseAsync(server);
        await RunAntivirusAsync(cancellationToken);

        console.WriteLine();
        console.Write(MirrorTree.Render(MirrorRoot));
        console.WriteLine();
        console.MarkupLine($"Demo workspace: {Markup.Escape(workspace)}");
        console.MarkupLine($"  mirror root  {Markup.Escape(MirrorRoot)}");
        console.MarkupLine($"  upstreams    {Markup.Escape(Path.Combine(workspace, "upstream"))} ({first.Version}, {second.Version})");
        console.MarkupLine($"  trusted key  {Markup.Escape(KeysDirectory)}");
        console.MarkupLine($"  release key  {Markup.Escape(ReleaseKeysDirectory)} (checks every release image's .asc)");
        console.MarkupLine($"  reports      {Markup.Escape(Path.Combine(workspace, "reports"))}");
    }

    // The in-house repository beside the Alpine tree: key ceremony, a build's drop, publication, and what a station configures.
    private async Task RunInHouseAsync(LocalUpstreamServer server)
    {
        string[] archs = ["x86_64", "aarch64"];
        var incoming = Path.Combine(workspace, "incoming");
        var builderKeys = Directory.CreateDirectory(Path.Combine(workspace, "builder-keys")).FullName;
        using (var builder = SigningKey.Create("ci@panoptiscan.example"))
        {
            builder.WritePublicKey(builderKeys);
            InHouseDemoPackages.Write(incoming, builder, archs);
        }

        console.WriteLine();
        console.MarkupLine($"The vendor's CI dropped station packages into {Markup.Escape(incoming)}: one noarch, one per arch.");
        string[] inHouse =
        [
            $"--arch={string.Join(',', archs)}", $"--inhouse-key={Path.Combine(workspace, "secrets", "panoptiscan.rsa")}",
            $"--inhouse-incoming={incoming}", $"--inhouse-keys={builderKeys}",
        ];
        await RunTargetAsync("InHouseKey", server, "inhouse-key", inHouse);
        await RunTargetAsync("InHouse", server, "inhouse", inHouse);

        console.WriteLine();
        console.WriteLine("A station's /etc/apk/repositories (the web server serves [ALPINE] as /alpine/ and [ALPINE]/panoptiscan as /panoptiscan/):");
        console.WriteLine("  http://<mirror>/alpine/latest-stable/main/");
        console.WriteLine("  http://<mirror>/alpine/latest-stable/community/");
        console.WriteLine("  http://<mirror>/panoptiscan/");
        console.MarkupLine("and the one key it needs in /etc/apk/keys:");
        console.WriteLine("  http://<mirror>/panoptiscan/panoptiscan.rsa.pub");
    }

    // ClamAV's real signed test database stands in for main, daily and bytecode: the demo cannot sign databases itself.
    private async Task RunAntivirusAsync(CancellationToken cancellationToken)
    {
        console.WriteLine();
        if (ClamAvStandIn.FindFixtures() is not { } fixtures)
        {
            console.MarkupLine("No shared/fixtures/clamav beside this checkout: the antivirus part of the demo is left out.");
            return;
        }

        var certificates = Directory.CreateDirectory(Path.Combine(workspace, "clamav-certs")).FullName;
        File.Copy(Path.Combine(fixtures, "clamav-test.crt"), Path.Combine(certificates, "clamav-test.crt"));
        await using var server = new LocalUpstreamServer(ClamAvStandIn.Write(fixtures, Path.Combine(workspace, "clamav-upstream", "3"), 3), "/clamav");
        await server.StartAsync(cancellationToken);
        console.MarkupLine($"ClamAV stand-in serving the real signed [bold]test[/] database, version 3, at {server.BaseUri}");
        string[] antivirus = ["--clamav-databases=test", $"--clamav-upstream={server.BaseUri}", $"--clamav-certs={certificates}"];
        await RunTargetAsync("Antivirus", server, "antivirus-3", antivirus);

        server.Root = ClamAvStandIn.Write(fixtures, Path.Combine(workspace, "clamav-upstream", "6"), 6);
        console.WriteLine();
        console.MarkupLine("ClamAV published versions 4, 5 and 6: the mirror fetches only their patches and the new test.cvd.");
        await RunTargetAsync("Antivirus", server, "antivirus-6", antivirus);
    }

    private async Task RunTargetAsync(string target, LocalUpstreamServer server, string step, params string[] extra)
    {
        console.WriteLine();
        console.Write(new Rule($"[bold]./build.sh --target={target}[/]").LeftJustified());
        var exitCode = await MirrorHost.Create().RunAsync(
            [
                $"--target={target}", $"--root={MirrorRoot}", $"--upstream={server.BaseUri}", "--branch=v3.15",
                $"--keys={KeysDirectory}", $"--release-keys={ReleaseKeysDirectory}", $"--report={Report(step)}", $"--verbosity={verbosity}", .. extra,
            ]);
        if (exitCode != ExitCodes.Success)
        {
            throw new InvalidOperationException($"demo step {target} failed with exit code {exitCode}");
        }
    }
}
