using Spectre.Console;

namespace AlpineMirror.Build.Hosting;

/// <summary>
/// Whether the host writes colour and style escape codes: only to a terminal, and never when <c>NO_COLOR</c> is set to
/// anything but empty (no-color.org). Cake and Spectre.Console look at <c>TERM</c> alone, so a log piped through
/// <c>tee</c> over ssh would fill with escape codes.
/// </summary>
public static class ConsoleColours
{
    public static bool Enabled(bool outputRedirected, string? noColor) => !outputRedirected && string.IsNullOrEmpty(noColor);

    /// <summary>The decision for this process's standard output and environment.</summary>
    public static bool EnabledHere() =>
        Enabled(Console.IsOutputRedirected, Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>Spectre's console for the tasks' tables and progress: plain text when colours are off.</summary>
    public static IAnsiConsole SpectreConsole(bool enabled) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = enabled ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = enabled ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Out = new AnsiConsoleOutput(Console.Out),
    });
}
