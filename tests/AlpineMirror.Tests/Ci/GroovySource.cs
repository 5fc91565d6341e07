using System.Text;
using System.Text.RegularExpressions;

namespace AlpineMirror.Tests.Ci;

/// <summary>
/// A Groovy file (a Jenkinsfile) with its string literals and comments blanked out, so braces and keywords can be
/// found by position. Not a parser: enough to check nesting and find blocks of a declarative pipeline. Handles
/// '…', "…", '''…''', """…""", // and /* */; not slashy strings nor quotes nested inside "${…}".
/// </summary>
internal sealed class GroovySource
{
    public GroovySource(string path)
    {
        Path = path;
        Text = File.ReadAllText(path);
        Code = Mask(path, Text);
    }

    public string Path { get; }

    public string Text { get; }

    /// <summary><see cref="Text"/> with the contents of strings and comments replaced by spaces; quotes and newlines stay.</summary>
    public string Code { get; }

    /// <summary>The original text between the braces of the first block whose header matches <paramref name="headerPattern"/>.</summary>
    public string Block(string headerPattern, int start = 0) => Text[BlockRange(headerPattern, start)];

    public Range BlockRange(string headerPattern, int start = 0)
    {
        // Headers name stages in strings, so match the text, but only where both ends are code.
        var header = new Regex(headerPattern + @"\s*\{").Matches(Text, start)
            .FirstOrDefault(m => Code[m.Index] == Text[m.Index] && Code[m.Index + m.Length - 1] == '{');
        Assert.True(header is not null, $"{Path}: no block '{headerPattern} {{'");
        var open = header.Index + header.Length - 1;
        var depth = 0;
        for (var i = open; i < Code.Length; i++)
        {
            depth += Code[i] switch { '{' => 1, '}' => -1, _ => 0 };
            if (depth == 0)
            {
                return new Range(open + 1, i);
            }
        }

        throw new Xunit.Sdk.XunitException($"{Path}: block '{headerPattern}' at line {LineOf(open)} is never closed");
    }

    /// <summary>The first bracket that does not match, as "line N: …", or null when (), [] and {} all nest.</summary>
    public string? FirstUnbalancedBracket()
    {
        var open = new Stack<(char Bracket, int Index)>();
        for (var i = 0; i < Code.Length; i++)
        {
            switch (Code[i])
            {
                case '(' or '[' or '{':
                    open.Push((Code[i], i));
                    break;
                case ')' or ']' or '}':
                    var expected = Code[i] switch { ')' => '(', ']' => '[', _ => '{' };
                    if (open.Count == 0 || open.Peek().Bracket != expected)
                    {
                        return open.Count == 0
                            ? $"line {LineOf(i)}: '{Code[i]}' closes nothing"
                            : $"line {LineOf(i)}: '{Code[i]}' closes '{open.Peek().Bracket}' of line {LineOf(open.Peek().Index)}";
                    }

                    open.Pop();
                    break;
            }
        }

        return open.Count == 0 ? null : $"line {LineOf(open.Peek().Index)}: '{open.Peek().Bracket}' is never closed";
    }

    public int LineOf(int index) => Text.AsSpan(0, index).Count('\n') + 1;

    private static string Mask(string path, string text)
    {
        var code = new StringBuilder(text.Length);
        var i = 0;

        void Blank(int end)
        {
            for (; i < end; i++)
            {
                code.Append(text[i] == '\n' ? '\n' : ' ');
            }
        }

        int LineAt(int index) => text.AsSpan(0, index).Count('\n') + 1;

        while (i < text.Length)
        {
            var rest = text.AsSpan(i);
            if (rest.StartsWith("//"))
            {
                var end = text.IndexOf('\n', i);
                Blank(end < 0 ? text.Length : end);
            }
            else if (rest.StartsWith("/*"))
            {
                var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    throw new FormatException($"{path}: line {LineAt(i)}: comment never closed");
                }

                Blank(end + 2);
            }
            else if (rest.StartsWith("'''") || rest.StartsWith("\"\"\""))
            {
                var quote = text.Substring(i, 3);
                code.Append(quote);
                var end = ClosingQuote(text, i + 3, quote, multiline: true)
                    ?? throw new FormatException($"{path}: line {LineAt(i)}: {quote} string never closed");
                i += 3;
                Blank(end);
                code.Append(quote);
                i += 3;
            }
            else if (text[i] is '\'' or '"')
            {
                var quote = text[i].ToString();
                code.Append(quote);
                var end = ClosingQuote(text, i + 1, quote, multiline: false)
                    ?? throw new FormatException($"{path}: line {LineAt(i)}: {quote} string not closed on its line");
                i += 1;
                Blank(end);
                code.Append(quote);
                i += 1;
            }
            else
            {
                code.Append(text[i++]);
            }
        }

        return code.ToString();
    }

    private static int? ClosingQuote(string text, int from, string quote, bool multiline)
    {
        for (var i = from; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == '\n' && !multiline)
            {
                return null;
            }
            else if (string.CompareOrdinal(text, i, quote, 0, quote.Length) == 0)
            {
                return i;
            }
        }

        return null;
    }
}
