namespace AlpineMirror.Apk;

/// <summary>A file whose size or digest differs from what a trusted index or checksum file says.</summary>
public sealed class ChecksumMismatchException(string source, string field, string expected, string actual)
    : IntegrityException(source, $"{field}: expected {expected}, got {actual}")
{
    public string Field { get; } = field;
    public string Expected { get; } = expected;
    public string Actual { get; } = actual;
}
