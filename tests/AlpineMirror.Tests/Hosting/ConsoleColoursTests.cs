using System.Text.RegularExpressions;
using AlpineMirror.Build.Hosting;
using AlpineMirror.Tests.Apk;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.Hosting;

/// <summary>
/// Colour escape codes from the built host: on a terminal only, never in a redirected log, never with NO_COLOR. The
/// terminal is a real pseudo-terminal made by util-linux's <c>script</c>.
/// </summary>
[Trait(ChildHostProcess.Trait, ChildHostProcess.TraitValue)]
public sealed partial class ConsoleColoursTests(DemoReleases releases) : ServedDemoUpstream(releases)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private string[] Args(string target) =>
    [
        $"--target={target}", $"--root={Root.Path}", $"--upstream={Server.BaseUri}", "--branch=v3.15",
        $"--keys={Releases.KeysDirectory}", "--retries=0", "--timeout=5",
    ];

    // Select Graphic Rendition (colour, bold): ESC [ params m. Other sequences a terminal gets (keypad mode) are not colour.
    [GeneratedRegex(@"\u001b\[[0-9;]*m")]
    private static partial Regex ColourCode();

    [Theory]
    [InlineData(false, null, true)]
    [InlineData(false, "", true)]
    [InlineData(false, "1", false)]
    [InlineData(false, "0", false)]
    [InlineData(true, null, false)]
    [InlineData(true, "", false)]
    public void Should_colour_only_a_terminal_and_only_without_NO_COLOR(bool redirected, string? noColor, bool expected) =>
        Assert.Equal(expected, ConsoleColours.Enabled(redirected, noColor));

    [Fact]
    public async Task Should_write_no_escape_code_to_a_redirected_log_even_when_TERM_names_a_colour_terminal()
    {
        // Given TERM=xterm, as over ssh, and no NO_COLOR
        var environment = new Dictionary<string, string?> { ["TERM"] = "xterm", ["NO_COLOR"] = null };

        // When an update runs with standard output piped (as into tee)
        var run = await ChildHostProcess.RunAsync(Args("Update"), Timeout, environment);

        // Then the log is plain text
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Contains("Snapshot 3.15.4 of v3.15", run.Output);
        Assert.DoesNotContain('\u001b', run.Output);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("1", false)]
    public async Task Should_colour_a_real_terminal_unless_NO_COLOR_is_set(string? noColor, bool coloured)
    {
        // Given a pseudo-terminal with TERM=xterm, and NO_COLOR unset or set
        var variables = noColor is null ? "-u NO_COLOR TERM=xterm" : $"TERM=xterm NO_COLOR={noColor}";
        var command = $"env {variables} {string.Join(' ', ChildHostProcess.HostCommand.Select(Quote))} {string.Join(' ', Args("Plan").Select(Quote))}";

        // When the host runs on it
        var run = await Task.Run(() => ExternalCommand.Run("script", ["--quiet", "--return", "--command", command, "/dev/null"]));

        // Then colour codes appear exactly when NO_COLOR is not set
        var output = run.OutputText;
        Assert.True(run.ExitCode == 0, $"script exited {run.ExitCode}: {run.Error}\n{output}");
        Assert.Contains(" of v3.15 from ", output);
        Assert.Equal(coloured, ColourCode().IsMatch(output));
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''") + "'";
}
