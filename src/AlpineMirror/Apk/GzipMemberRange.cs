namespace AlpineMirror.Apk;

/// <summary>The exact raw (compressed) bytes of one gzip member inside a file: header, deflate data and trailer.</summary>
public readonly record struct GzipMemberRange(int Offset, int Length)
{
    /// <summary>The offset of the first byte after this member, where the next member starts.</summary>
    public int End => Offset + Length;
}
