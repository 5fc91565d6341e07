using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using AlpineMirror.Configuration;

namespace AlpineMirror.Deploy;

/// <summary>
/// Runs <c>ansible-playbook -i &lt;inventory&gt; &lt;playbook&gt; -e @&lt;variables.json&gt; &lt;extra args&gt;</c> (no shell),
/// streaming its output line by line; a non-zero exit fails with the last lines of output in the message.
/// </summary>
public sealed class AnsiblePlaybookDeployer : IDeployer
{
    private const int TailLength = 20;
    // ansible-playbook prints this for a play whose host pattern matches nothing, then exits 0 having done nothing.
    private const string NoHostsMatched = "skipping: no hosts matched";

    private readonly string _playbook;
    private readonly string _inventory;
    private readonly IReadOnlyList<string> _extraArguments;
    private readonly string _executable;

    /// <summary>Checks the settings now, so that a typo fails before the mirror is updated rather than after.</summary>
    /// <exception cref="ConfigurationException">The playbook or inventory is missing, or the extra arguments do not parse.</exception>
    public AnsiblePlaybookDeployer(AnsiblePlaybookSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrWhiteSpace(settings.Playbook))
        {
            throw new ConfigurationException(AnsiblePlaybookSettings.PlaybookOption, "the playbook is required (e.g. --ansible-playbook=deploy/boot-infrastructure.yml)");
        }

        _playbook = Path.GetFullPath(settings.Playbook);
        if (!File.Exists(_playbook))
        {
            throw new ConfigurationException(AnsiblePlaybookSettings.PlaybookOption, $"expected a playbook file, found nothing at {_playbook}");
        }

        _inventory = ResolveInventory(settings.Inventory);
        _extraArguments = settings.ExtraArguments is null
            ? []
            : ShellWords.Split(settings.ExtraArguments, AnsiblePlaybookSettings.ArgumentsOption);
        _executable = settings.Executable;
    }

    /// <summary>The command line for <paramref name="variablesFile"/>, as it is run (for the log).</summary>
    public IReadOnlyList<string> Arguments(string variablesFile) =>
        ["-i", _inventory, _playbook, "-e", "@" + variablesFile, .. _extraArguments];

    /// <inheritdoc />
    /// <exception cref="ConfigurationException">ansible-playbook cannot be started.</exception>
    public async Task<DeployResult> DeployAsync(DeployVariables variables, Action<string> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(variables);
        ArgumentNullException.ThrowIfNull(output);
        var variablesFile = Path.Combine(Path.GetTempPath(), $"alpinemirror-deploy-{Guid.NewGuid():N}.json");
        try
        {
            await WriteVariablesAsync(variablesFile, variables, cancellationToken);
            return await RunAsync(variables, variablesFile, output, cancellationToken);
        }
        finally
        {
            File.Delete(variablesFile);
        }
    }

    private async Task<DeployResult> RunAsync(DeployVariables variables, string variablesFile, Action<string> output, CancellationToken cancellationToken)
    {
        var arguments = Arguments(variablesFile);
        var start = new ProcessStartInfo(_executable)
        {
            // The playbook's folder: ansible.cfg, roles/ and relative paths resolve as when the operator runs it by hand.
            WorkingDirectory = Path.GetDirectoryName(_playbook)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Python buffers a pipe in blocks; unbuffered, each line reaches the build log when ansible writes it.
        start.Environment["PYTHONUNBUFFERED"] = "1";
        // ansible-core refuses to start under a non-UTF-8 locale such as LC_ALL=C, common in CI and cron.
        var locale = new[] { "LC_ALL", "LC_CTYPE", "LANG" }.Select(name => start.Environment.TryGetValue(name, out var value) ? value : null)
            .FirstOrDefault(value => !string.IsNullOrEmpty(value));
        if (locale is not null && !locale.Replace("-", "").Contains("utf8", StringComparison.OrdinalIgnoreCase))
        {
            start.Environment["LC_ALL"] = "C.UTF-8";
        }

        output($"{_executable} {string.Join(' ', arguments)}");
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception error)
        {
            throw new ConfigurationException(_executable, $"cannot run it ({error.Message}); install Debian's ansible-core package or put ansible-playbook on PATH");
        }

        var tail = new RecentLines(TailLength);
        var matchedNoHosts = false;
        ExceptionDispatchInfo? outputFailure = null;
        var gate = new object();
        void Receive(string line)
        {
            // stdout and stderr arrive on two threads; the caller sees one line at a time.
            lock (gate)
            {
                tail.Add(line);
                matchedNoHosts |= line.Trim() == NoHostsMatched;
                if (outputFailure is not null)
                {
                    return;
                }

                try
                {
                    output(line);
                }
                catch (Exception error)
                {
                    // A log that cannot be written stops the deployment; the pipes are still drained so nothing hangs.
                    outputFailure = ExceptionDispatchInfo.Capture(error);
                    process.Kill(entireProcessTree: true);
                }
            }
        }

        var stopwatch = Stopwatch.StartNew();
        try
        {
            var pumps = Task.WhenAll(PumpAsync(process.StandardOutput, Receive), PumpAsync(process.StandardError, Receive));
            await process.WaitForExitAsync(cancellationToken);
            await pumps;
        }
        finally
        {
            if (!process.HasExited)
            {
                // Cancelled: leave no playbook running behind the build.
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }

        outputFailure?.Throw();

        if (process.ExitCode != 0)
        {
            throw new DeployException(_playbook, $"ansible-playbook exited with code {process.ExitCode}: {tail}");
        }

        if (matchedNoHosts)
        {
            throw new DeployException(_playbook, $"ansible-playbook deployed nothing: no host of inventory {_inventory} matched the play: {tail}");
        }

        return new DeployResult($"ansible-playbook {Path.GetFileName(_playbook)} deployed {variables.Version} in {stopwatch.Elapsed.TotalSeconds:0.0} s");
    }

    private static async Task PumpAsync(StreamReader reader, Action<string> receive)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            receive(line);
        }
    }

    private static async Task WriteVariablesAsync(string path, DeployVariables variables, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        await using var file = new FileStream(path, options);
        await using var writer = new StreamWriter(file);
        await writer.WriteAsync(variables.ToJson().AsMemory(), cancellationToken);
    }

    /// <summary>A path made absolute (the run changes folder), or a host list passed through.</summary>
    private static string ResolveInventory(string inventory)
    {
        if (string.IsNullOrWhiteSpace(inventory))
        {
            throw new ConfigurationException(AnsiblePlaybookSettings.InventoryOption, "the inventory is required (a file, a folder, or hosts with a trailing comma: boot1,boot2,)");
        }

        if (File.Exists(inventory) || Directory.Exists(inventory))
        {
            return Path.GetFullPath(inventory);
        }

        // ansible-playbook only warns about an inventory it cannot find, then runs against no host and exits 0.
        return inventory.Contains(',')
            ? inventory
            : throw new ConfigurationException(AnsiblePlaybookSettings.InventoryOption,
                $"expected an inventory file or folder, found nothing at {Path.GetFullPath(inventory)} (a host list needs a trailing comma: {inventory},)");
    }
}
