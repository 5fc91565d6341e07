using System.Collections.Concurrent;
using System.Text.Json;
using AlpineMirror.Configuration;
using AlpineMirror.Deploy;

namespace AlpineMirror.Tests.Deploy;

public sealed class AnsiblePlaybookDeployerTests : IDisposable
{
    // Real ansible-playbook runs take seconds each; a hung one must not hang the suite.
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(2);

    private readonly NetbootTree _tree = new(snapshot: "3.15.10", previous: "3.15.9", release: "3.15.10");
    private readonly ConcurrentQueue<string> _output = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public async Task Should_deploy_netboot_files_menu_and_current_link_with_the_sample_playbook()
    {
        // Given a boot server that holds three older versions, 3.15.9 being the current one
        _tree.AddDeployedVersion("3.15.7");
        _tree.AddDeployedVersion("3.15.8");
        _tree.AddDeployedVersion("3.15.9");
        var deployer = new AnsiblePlaybookDeployer(new AnsiblePlaybookSettings
        {
            Playbook = SamplePlaybook.Path,
            Inventory = "localhost,",
            ExtraArguments = $"-c local -e 'boot_root={_tree.BootRoot}' -e boot_keep=3 "
                + "-e \"alpine_mirror_url=http://mirror.test/alpine\" -e boot_http_url=http://boot.test/alpine",
        });

        // When the real ansible-playbook runs the sample playbook on localhost
        var result = await deployer.DeployAsync(_tree.Variables, _output.Enqueue, Timeout());

        // Then both flavors' kernel, initramfs and modloop are copied into the version folder
        var version = Path.Combine(_tree.BootAlpine, "3.15.10");
        foreach (var flavor in NetbootTree.Flavors)
        {
            foreach (var kind in NetbootTree.Kinds)
            {
                Assert.Equal($"{kind}-{flavor} of Alpine 3.15.10\n", File.ReadAllText(Path.Combine(version, $"{kind}-{flavor}")));
            }
        }

        // And the playbook received exactly the extra vars we passed
        using var received = JsonDocument.Parse(File.ReadAllText(Path.Combine(version, "deployed.json")));
        using var sent = JsonDocument.Parse(_tree.Variables.ToJson());
        Assert.True(JsonElement.DeepEquals(sent.RootElement, received.RootElement), received.RootElement.ToString());

        // And current points at the new version, relatively
        Assert.Equal("3.15.10", new FileInfo(Path.Combine(_tree.BootAlpine, "current")).LinkTarget);

        // And the three newest versions stay, in numeric order (3.15.10 is newer than 3.15.9), the oldest is pruned
        Assert.Equal(["3.15.10", "3.15.8", "3.15.9"],
            new DirectoryInfo(_tree.BootAlpine).EnumerateDirectories().Where(d => d.LinkTarget is null).Select(d => d.Name).Order(StringComparer.Ordinal));

        // And the menu boots the new version by default and offers the kept older kernels for rollback
        var menu = File.ReadAllText(Path.Combine(_tree.BootAlpine, "menu.ipxe"));
        Assert.StartsWith("#!ipxe\n", menu);
        Assert.Contains("menu Alpine Linux 3.15.10\n", menu);
        Assert.Contains("linux-lts 5.15.41-r0, linux-virt 5.15.41-r0, xen 4.15.2-r0", menu);
        Assert.Contains("choose --default alpine-3.15.10-lts ", menu);
        Assert.Contains("item alpine-3.15.10-virt Alpine 3.15.10 linux-virt\n", menu);
        Assert.Contains("item alpine-3.15.9-lts Alpine 3.15.9 linux-lts (previous)\n", menu);
        Assert.Contains(
            "\n:alpine-3.15.10-lts\nkernel 3.15.10/vmlinuz-lts modules=loop,squashfs quiet ip=dhcp "
            + "modloop=http://boot.test/alpine/3.15.10/modloop-lts alpine_repo=http://mirror.test/alpine/3.15.10/main\n"
            + "initrd 3.15.10/initramfs-lts\nboot\n",
            menu);
        Assert.Contains("\n:alpine-3.15.8-lts\nkernel 3.15.8/vmlinuz-lts ", menu);
        Assert.DoesNotContain("3.15.7", menu);
        Assert.DoesNotContain("alpine-3.15.9-virt", menu);

        // And the output streamed into our callback, and the variables file is gone
        Assert.Contains(_output, line => line.StartsWith("PLAY RECAP", StringComparison.Ordinal));
        Assert.False(File.Exists(VariablesFile()));
        Assert.Contains("deployed 3.15.10", result.Summary);
    }

    [Fact]
    public async Task Should_fail_with_exit_code_and_last_lines_when_the_playbook_fails()
    {
        // Given a playbook whose task fails, naming the version it was given
        var playbook = _tree.WritePlaybook("""
            - hosts: all
              gather_facts: false
              tasks:
                - name: Refuse the version
                  ansible.builtin.fail:
                    msg: "boot server refused {{ alpine_version }}"
            """);
        var deployer = new AnsiblePlaybookDeployer(new AnsiblePlaybookSettings
        {
            Playbook = playbook,
            Inventory = "localhost,",
            ExtraArguments = "-c local",
        });

        // When it runs
        var error = await Assert.ThrowsAsync<DeployException>(() => deployer.DeployAsync(_tree.Variables, _output.Enqueue, Timeout()));

        // Then the error names the playbook and exit code and carries its last lines, on one line
        Assert.Equal(playbook, error.Source);
        Assert.Contains("ansible-playbook exited with code 2: ", error.Message);
        Assert.Contains("boot server refused 3.15.10", error.Message);
        Assert.Contains(" | PLAY RECAP ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains(_output, line => line.Contains("boot server refused 3.15.10", StringComparison.Ordinal));
        Assert.False(File.Exists(VariablesFile()));
    }

    [Fact]
    public async Task Should_fail_when_no_host_of_the_inventory_matches_the_play()
    {
        // Given a play for a group the inventory does not have (ansible-playbook then exits 0 having done nothing)
        var playbook = _tree.WritePlaybook("""
            - hosts: bootservers
              gather_facts: false
              tasks:
                - ansible.builtin.debug:
                    msg: "{{ alpine_version }}"
            """);
        var deployer = new AnsiblePlaybookDeployer(new AnsiblePlaybookSettings { Playbook = playbook, Inventory = "localhost," });

        // When it runs, then the deployment fails instead of reporting success
        var error = await Assert.ThrowsAsync<DeployException>(() => deployer.DeployAsync(_tree.Variables, _output.Enqueue, Timeout()));
        Assert.Contains("no host of inventory localhost, matched the play", error.Message);
    }

    [Fact]
    public async Task Should_run_in_the_playbook_folder_with_inventory_playbook_variables_file_and_split_arguments()
    {
        // Given a stand-in for ansible-playbook that prints its folder, arguments and the variables file
        var inventory = Path.Combine(_tree.Root, "hosts.ini");
        File.WriteAllText(inventory, "[boot]\nlocalhost\n");
        var playbook = _tree.WritePlaybook("- hosts: all\n");
        var deployer = new AnsiblePlaybookDeployer(new AnsiblePlaybookSettings
        {
            Playbook = playbook,
            Inventory = inventory,
            ExtraArguments = """--limit 'boot*' -e "boot_root=/srv/my tftp" --check""",
            Executable = FakeAnsible("""
                echo "pwd=$(pwd)"
                for argument in "$@"; do echo "arg=$argument"; done
                echo "json=$(tr -d '\n' < "${5#@}")"
                """),
        });

        // When it runs
        await deployer.DeployAsync(_tree.Variables, _output.Enqueue, Timeout());

        // Then it ran without a shell, in the playbook's folder, with the variables file after -e @
        var arguments = _output.Where(l => l.StartsWith("arg=", StringComparison.Ordinal)).Select(l => l[4..]).ToList();
        var variablesFile = VariablesFile();
        Assert.Equal(["-i", inventory, playbook, "-e", "@" + variablesFile, "--limit", "boot*", "-e", "boot_root=/srv/my tftp", "--check"], arguments);
        Assert.Contains($"pwd={Path.GetDirectoryName(playbook)}", _output);
        using var sent = JsonDocument.Parse(_output.Single(l => l.StartsWith("json=", StringComparison.Ordinal))[5..]);
        using var expected = JsonDocument.Parse(_tree.Variables.ToJson());
        Assert.True(JsonElement.DeepEquals(expected.RootElement, sent.RootElement));
        Assert.False(File.Exists(variablesFile));
    }

    [Fact]
    public async Task Should_keep_the_last_twenty_lines_of_stdout_and_stderr_in_the_error()
    {
        // Given a stand-in that prints thirty lines, the last one on stderr, and exits 4
        var deployer = FakeDeployer("""
            for i in $(seq 1 29); do echo "out $i"; sleep 0.001; done
            echo "err 30" >&2
            exit 4
            """);

        // When it runs
        var error = await Assert.ThrowsAsync<DeployException>(() => deployer.DeployAsync(_tree.Variables, _output.Enqueue, Timeout()));

        // Then the message holds lines 11 to 30 joined on one line, and every line reached the callback
        Assert.EndsWith("ansible-playbook exited with code 4: out 11 | out 12 | out 13 | out 14 | out 15 | out 16 | out 17 | out 18 | "
            + "out 19 | out 20 | out 21 | out 22 | out 23 | out 24 | out 25 | out 26 | out 27 | out 28 | out 29 | err 30", error.Message);
        Assert.Equal(31, _output.Count);
    }

    [Fact]
    public async Task Should_kill_the_playbook_and_its_children_when_cancelled()
    {
        // Given a stand-in whose child runs for a minute
        var deployer = FakeDeployer("""
            sleep 60 &
            echo "child=$!"
            wait
            """);
        using var cancellation = new CancellationTokenSource(RunLimit);
        var child = new TaskCompletionSource<int>();
        void Output(string line)
        {
            _output.Enqueue(line);
            if (line.StartsWith("child=", StringComparison.Ordinal))
            {
                child.SetResult(int.Parse(line[6..]));
            }
        }

        // When the run is cancelled once the child started
        var run = deployer.DeployAsync(_tree.Variables, Output, cancellation.Token);
        var pid = await child.Task.WaitAsync(RunLimit);
        var started = DateTime.UtcNow;
        await cancellation.CancelAsync();

        // Then the run stops at once, the child is gone and the variables file removed
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30));
        Assert.True(await GoneAsync(pid), $"process {pid} (sleep 60) still runs after the cancellation");
        Assert.False(File.Exists(VariablesFile()));
    }

    [Fact]
    public async Task Should_stop_the_playbook_and_rethrow_when_the_output_callback_fails()
    {
        // Given a stand-in that would run for a minute, and a log that cannot be written
        var deployer = FakeDeployer("""
            echo started
            exec sleep 60
            """);
        void Output(string line)
        {
            if (line == "started")
            {
                throw new IOException("log disk full");
            }
        }

        // When it runs, then the log's error comes back without waiting for the minute
        using var cancellation = new CancellationTokenSource(RunLimit);
        var error = await Assert.ThrowsAsync<IOException>(() => deployer.DeployAsync(_tree.Variables, Output, cancellation.Token));
        Assert.Equal("log disk full", error.Message);
        Assert.False(cancellation.IsCancellationRequested);
    }

    [Fact]
    public void Should_refuse_a_missing_playbook_or_inventory_and_unbalanced_arguments_before_running()
    {
        var playbook = _tree.WritePlaybook("- hosts: all\n");

        var noPlaybook = Assert.Throws<ConfigurationException>(() => new AnsiblePlaybookDeployer(
            new AnsiblePlaybookSettings { Playbook = Path.Combine(_tree.Root, "missing.yml"), Inventory = "localhost," }));
        Assert.Equal("--ansible-playbook", noPlaybook.Source);
        Assert.Contains("missing.yml", noPlaybook.Message);

        // A name without a comma is a file to ansible: missing, it would only warn and deploy to no host.
        var noInventory = Assert.Throws<ConfigurationException>(() => new AnsiblePlaybookDeployer(
            new AnsiblePlaybookSettings { Playbook = playbook, Inventory = "boot1" }));
        Assert.Equal("--ansible-inventory", noInventory.Source);
        Assert.Contains("boot1,", noInventory.Message);

        var badArguments = Assert.Throws<ConfigurationException>(() => new AnsiblePlaybookDeployer(
            new AnsiblePlaybookSettings { Playbook = playbook, Inventory = "localhost,", ExtraArguments = "-e 'boot_root=/srv" }));
        Assert.Equal("--ansible-args", badArguments.Source);
    }

    [Fact]
    public async Task Should_say_how_to_install_ansible_when_the_program_is_missing()
    {
        var deployer = new AnsiblePlaybookDeployer(new AnsiblePlaybookSettings
        {
            Playbook = _tree.WritePlaybook("- hosts: all\n"),
            Inventory = "localhost,",
            Executable = "ansible-playbook-not-installed",
        });

        var error = await Assert.ThrowsAsync<ConfigurationException>(() => deployer.DeployAsync(_tree.Variables, _output.Enqueue, Timeout()));

        Assert.Equal("ansible-playbook-not-installed", error.Source);
        Assert.Contains("ansible-core", error.Message);
        Assert.False(File.Exists(VariablesFile()));
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(RunLimit).Token;

    /// <summary>The variables file named on the command line the deployer printed first.</summary>
    private string VariablesFile()
    {
        var command = _output.First();
        var start = command.IndexOf(" -e @", StringComparison.Ordinal) + " -e @".Length;
        return command[start..command.IndexOf(".json", start, StringComparison.Ordinal)] + ".json";
    }

    private AnsiblePlaybookDeployer FakeDeployer(string script) =>
        new(new AnsiblePlaybookSettings
        {
            Playbook = _tree.WritePlaybook("- hosts: all\n"),
            Inventory = "localhost,",
            Executable = FakeAnsible(script),
        });

    /// <summary>An executable shell script standing in for ansible-playbook.</summary>
    private string FakeAnsible(string body)
    {
        var path = Path.Combine(_tree.Root, $"fake-ansible-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_tree.Root);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static async Task<bool> GoneAsync(int pid)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                // A zombie has exited too: only its parent's bookkeeping is left.
                if (File.ReadLines($"/proc/{pid}/status").Any(l => l.StartsWith("State:", StringComparison.Ordinal) && l.Contains('Z')))
                {
                    return true;
                }
            }
            catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException or IOException)
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }
}
