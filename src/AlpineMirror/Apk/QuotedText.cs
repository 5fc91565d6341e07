using System.Text;

namespace AlpineMirror.Apk;

/// <summary>Renders untrusted text for a one-line error message: quoted, control characters escaped, long values cut.</summary>
internal static class QuotedText
{
    public static string Of(ReadOnlySpan<char> text, int maxLength = 80)
    {
        var builder = new StringBuilder(Math.Min(text.Length, maxLength) + 8).Append('"');
        foreach (var c in text[..Math.Min(text.Length, maxLength)])
        {
            if (char.IsControl(c))
            {
                builder.Append($"\\x{(int)c:x2}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Append(text.Length > maxLength ? "…\"" : "\"").ToString();
    }
}
