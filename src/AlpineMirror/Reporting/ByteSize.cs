namespace AlpineMirror.Reporting;

/// <summary>Byte counts as operators read them: 148.2 KiB, 212.0 MiB.</summary>
public static class ByteSize
{
    public static string Format(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.0} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.0} MiB",
        _ => $"{bytes / (1024.0 * 1024 * 1024):0.00} GiB",
    };
}
