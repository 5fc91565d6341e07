using Cake.Core;

namespace AlpineMirror.Build.Hosting;

/// <summary>
/// Cake's console with its error-level log lines sent to standard output, so that standard error holds exactly the
/// one line the host writes when a run fails: what a CI job shows and a script reads. Colours only when
/// <paramref name="colours"/> (see <see cref="ConsoleColours"/>): Cake would colour whenever <c>TERM</c> looks capable.
/// </summary>
internal sealed class StandardOutputConsole(IConsole console, bool colours) : IConsole
{
    public ConsoleColor ForegroundColor
    {
        get => console.ForegroundColor;
        set
        {
            if (colours)
            {
                console.ForegroundColor = value;
            }
        }
    }

    public ConsoleColor BackgroundColor
    {
        get => console.BackgroundColor;
        set
        {
            if (colours)
            {
                console.BackgroundColor = value;
            }
        }
    }

    public bool SupportAnsiEscapeCodes => colours && console.SupportAnsiEscapeCodes;

    public void Write(string format, params object[] arg) => console.Write(format, arg);
    public void Write(string value) => console.Write(value);
    public void WriteLine(string format, params object[] arg) => console.WriteLine(format, arg);
    public void WriteLine(string value) => console.WriteLine(value);
    public void WriteError(string format, params object[] arg) => console.Write(format, arg);
    public void WriteError(string value) => console.Write(value);
    public void WriteErrorLine(string format, params object[] arg) => console.WriteLine(format, arg);
    public void WriteErrorLine(string value) => console.WriteLine(value);
    public void ResetColor()
    {
        if (colours)
        {
            console.ResetColor();
        }
    }
}
