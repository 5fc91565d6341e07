namespace AlpineMirror.Tests.Support;

/// <summary>How one run of the Cake host ended: its exit code and what it wrote.</summary>
/// <param name="Output">Standard output; empty for a run in this process, whose console is shared with the test runner.</param>
/// <param name="Error">Standard error: the host's one-line <c>Error: …</c> on failure.</param>
public sealed record HostRun(int ExitCode, string Output, string Error)
{
    /// <summary>The non-empty lines of standard error.</summary>
    public IReadOnlyList<string> ErrorLines =>
        Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The single error line a failed run must print, failing the test when there is none or more than one.</summary>
    public string SingleErrorLine() => Assert.Single(ErrorLines);

    public override string ToString() => $"exit code {ExitCode}; stderr: {Error.Trim()}";
}
