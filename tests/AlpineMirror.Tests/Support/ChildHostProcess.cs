using System.Diagnostics;
using System.Text;

namespace AlpineMirror.Tests.Support;

/// <summary>
/// The built Cake host running as a child process, as <c>./build.sh</c> runs it, so a test can kill it with SIGKILL at
/// any moment: <c>AlpineMirror.Build.dll</c> copied beside the tests, or the host named by
/// <c>ALPINEMIRROR_TEST_HOST</c> (.ci/run points it at the Native AOT executable build.sh publishes).
/// </summary>
public sealed class ChildHostProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly Task _outputDrained;
    private readonly Task _errorDrained;

    private ChildHostProcess(Process process)
    {
        _process = process;
        // Both pipes are drained all the time: a child blocked on a full pipe would never reach the point to kill it at.
        _outputDrained = DrainAsync(process.StandardOutput, _output);
        _errorDrained = DrainAsync(process.StandardError, _error);
    }

    /// <summary>
    /// Marks a test class that starts the built host: .ci/run runs these again against the Native AOT host
    /// (<c>--filter Host=Built</c>).
    /// </summary>
    public const string Trait = "Host";

    public const string TraitValue = "Built";

    public static string HostPath =>
        Environment.GetEnvironmentVariable("ALPINEMIRROR_TEST_HOST") is { Length: > 0 } published
            ? Path.GetFullPath(published)
            : Path.Combine(AppContext.BaseDirectory, "AlpineMirror.Build.dll");

    /// <summary>The command line that starts the host: <c>dotnet</c> for an assembly, the executable itself otherwise.</summary>
    public static IReadOnlyList<string> HostCommand =>
        HostPath.EndsWith(".dll", StringComparison.Ordinal) ? ["dotnet", HostPath] : [HostPath];

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <see cref="HostCommand"/> with <paramref name="args"/>.</summary>
    public static ChildHostProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(HostCommand[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in HostCommand.Skip(1).Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        // No colours or terminal control sequences in the captured output.
        start.Environment["NO_COLOR"] = "1";
        start.Environment["TERM"] = "dumb";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{string.Join(' ', HostCommand)}: could not start");
        process.StandardInput.Close();
        return new ChildHostProcess(process);
    }

    /// <summary>Runs to the end and returns how it ended; fails the test if it runs longer than <paramref name="timeout"/>.</summary>
    public static async Task<HostRun> RunAsync(
        IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment = null)
    {
        using var child = Start(args, environment);
        return await child.WaitForExitAsync(timeout);
    }

    public async Task<HostRun> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            Assert.Fail($"the host was still running after {timeout.TotalSeconds} s; output so far:\n{Output}\n{Error}");
        }

        await Task.WhenAll(_outputDrained, _errorDrained);
        return new HostRun(_process.ExitCode, Output, Error);
    }

    /// <summary>SIGKILL (<see cref="Process.Kill(bool)"/> sends it on Unix): no handler runs, nothing is cleaned up.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static async Task DrainAsync(StreamReader reader, StringBuilder into)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (into)
            {
                into.Append(buffer, 0, read);
            }
        }
    }
}
