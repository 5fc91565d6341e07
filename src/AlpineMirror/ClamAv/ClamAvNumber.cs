using System.Numerics;

namespace AlpineMirror.ClamAv;

/// <summary>
/// ClamAV's own base64 for signatures (CLAMAV-FORMAT.md §2): digits <c>a-z A-Z 0-9 + /</c> worth 0 to 63, least
/// significant first, read as one number.
/// </summary>
internal static class ClamAvNumber
{
    private const string Digits = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";

    /// <summary>The number <paramref name="text"/> spells, or null when a character is not one of the 64 digits.</summary>
    public static BigInteger? Parse(ReadOnlySpan<char> text)
    {
        var value = BigInteger.Zero;
        for (var i = text.Length - 1; i >= 0; i--)
        {
            var digit = Digits.IndexOf(text[i]);
            if (digit < 0)
            {
                return null;
            }

            value = (value << 6) | digit;
        }

        return value;
    }
}
