namespace AlpineMirror.Apk;

/// <summary>A regular file to put in a package's data segment: a relative path such as <c>usr/bin/hello</c>, its bytes and mode.</summary>
public sealed record PackageFile(string Path, ReadOnlyMemory<byte> Content, UnixFileMode Mode = PackageFile.RegularMode)
{
    /// <summary>rw-r--r--</summary>
    public const UnixFileMode RegularMode = (UnixFileMode)0b110_100_100;

    /// <summary>rwxr-xr-x</summary>
    public const UnixFileMode ExecutableMode = (UnixFileMode)0b111_101_101;

    public static PackageFile Text(string path, string content, UnixFileMode mode = RegularMode) =>
        new(path, System.Text.Encoding.UTF8.GetBytes(content), mode);
}
