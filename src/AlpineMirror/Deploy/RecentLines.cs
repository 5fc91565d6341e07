using System.Text.RegularExpressions;

namespace AlpineMirror.Deploy;

/// <summary>The last lines of a deployment's output, joined into the one-line error message when it fails.</summary>
internal sealed partial class RecentLines(int capacity)
{
    // A fatal line of ansible holds the module's whole JSON result; the message keeps the start of it.
    private const int MaxLineLength = 400;
    private readonly Queue<string> _lines = new();

    public void Add(string line)
    {
        var clean = AnsiEscape().Replace(line, "").Trim();
        if (clean.Length == 0)
        {
            return;
        }

        if (_lines.Count == capacity)
        {
            _lines.Dequeue();
        }

        _lines.Enqueue(clean.Length > MaxLineLength ? clean[..MaxLineLength] + "..." : clean);
    }

    /// <summary>The kept lines joined by <c> | </c>, or a note that there were none.</summary>
    public override string ToString() => _lines.Count > 0 ? string.Join(" | ", _lines) : "(no output)";

    // Colour codes appear when the operator forces them (ANSIBLE_FORCE_COLOR); they are noise in a message.
    [GeneratedRegex(@"\x1B\[[0-9;]*[A-Za-z]")]
    private static partial Regex AnsiEscape();
}
