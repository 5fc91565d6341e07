namespace AlpineMirror.Apk;

/// <summary>Writes a file through a uniquely named temporary in the same directory, flushed, then renamed over the target (DESIGN.md §4.3).</summary>
internal static class AtomicFileWriter
{
    private const UnixFileMode ReadableByAll =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static void Write(string path, Action<Stream> write, UnixFileMode mode = ReadableByAll)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        // Unique per call so that two writers of the same target never share a temporary.
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = mode;
            }

            using (var stream = new FileStream(temporary, options))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
