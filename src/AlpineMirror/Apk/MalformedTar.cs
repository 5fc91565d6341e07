namespace AlpineMirror.Apk;

/// <summary>What the base library's <c>TarReader</c> throws for a malformed tar, and how to say it in one line.</summary>
internal static class MalformedTar
{
    /// <summary>
    /// True for the reader's own format errors, and for the in-memory stream refusing a position: an entry whose header
    /// claims more bytes than a <see cref="MemoryStream"/> can hold (over 2 GiB) fails there, not in the reader.
    /// </summary>
    public static bool Is(Exception error) =>
        error is InvalidDataException or EndOfStreamException or FormatException or ArgumentOutOfRangeException;

    public static string Describe(Exception error) =>
        error is ArgumentOutOfRangeException ? "an entry's size runs past the end of the data" : error.Message;
}
