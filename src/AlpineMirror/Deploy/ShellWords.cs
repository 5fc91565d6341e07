using System.Text;
using AlpineMirror.Configuration;

namespace AlpineMirror.Deploy;

/// <summary>Splits an option value like <c>--ansible-args</c> into arguments as a POSIX shell would, without running one.</summary>
/// <remarks>Quotes ('single', "double") and backslash escapes are honoured; variables, globs and substitutions are not.</remarks>
public static class ShellWords
{
    /// <summary>The words of <paramref name="text"/>; <paramref name="source"/> (the option) names it in errors.</summary>
    /// <exception cref="ConfigurationException">A quote is not closed or the text ends with a lone backslash.</exception>
    public static IReadOnlyList<string> Split(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case ' ' or '\t' or '\n' or '\r':
                    if (inWord)
                    {
                        words.Add(word.ToString());
                        word.Clear();
                        inWord = false;
                    }

                    break;
                case '\'':
                    var close = text.IndexOf('\'', i + 1);
                    if (close < 0)
                    {
                        throw new ConfigurationException(source, $"expected a closing ' for the quote at offset {i}, got the end of '{text}'");
                    }

                    word.Append(text, i + 1, close - i - 1);
                    i = close;
                    inWord = true;
                    break;
                case '"':
                    i = ReadDoubleQuoted(text, i, word, source);
                    inWord = true;
                    break;
                case '\\':
                    if (i + 1 == text.Length)
                    {
                        throw new ConfigurationException(source, $"expected a character after the final \\, got the end of '{text}'");
                    }

                    word.Append(text[++i]);
                    inWord = true;
                    break;
                default:
                    word.Append(c);
                    inWord = true;
                    break;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    /// <summary>Appends the inside of the double quote opening at <paramref name="open"/>; returns the closing quote's index.</summary>
    private static int ReadDoubleQuoted(string text, int open, StringBuilder word, string source)
    {
        for (var i = open + 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '"')
            {
                return i;
            }

            // Inside double quotes a backslash escapes only these, as in sh; elsewhere it is kept.
            if (c == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`')
            {
                c = text[++i];
            }

            word.Append(c);
        }

        throw new ConfigurationException(source, $"expected a closing \" for the quote at offset {open}, got the end of '{text}'");
    }
}
