using System.Runtime.InteropServices;
using System.Text;

namespace AlpineMirror.Storage;

/// <summary>
/// The few libc calls .NET has no API for: rename(2) over a symlink to a directory, link(2), mkdir(2) without
/// a stat first, and open(2) without an advisory lock.
/// </summary>
/// <remarks>
/// Paths travel as NUL-terminated UTF-8 in caller-owned buffers passed by <c>ref byte</c>: blittable, so no
/// marshalling allocation per call (the cloner makes one call per file). These are <c>DllImport</c>s only because
/// <c>LibraryImport</c> requires <c>AllowUnsafeBlocks</c> in the project; with it, swapping the attribute
/// (and <c>extern</c> for <c>partial</c>) is the whole change.
/// </remarks>
internal static class LibC
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int EXDEV = 18;
    public const int EMLINK = 31;

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int RenameNative(ref byte oldPath, ref byte newPath);

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int LinkNative(ref byte oldPath, ref byte newPath);

    private const int O_RDONLY = 0;
    private const int O_CLOEXEC = 0x80000;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int OpenNative(ref byte path, int flags);

    [DllImport("libc", EntryPoint = "mkdir", SetLastError = true)]
    private static extern int MkdirNative(ref byte path, uint mode);

    /// <summary>rename(2); returns 0 or the errno.</summary>
    public static int Rename(string oldPath, string newPath) =>
        RenameNative(ref NulTerminated(oldPath)[0], ref NulTerminated(newPath)[0]) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>link(2) of NUL-terminated UTF-8 paths; returns 0 or the errno. Linux never follows a symlink here.</summary>
    public static int Link(ReadOnlySpan<byte> oldPath, ReadOnlySpan<byte> newPath) =>
        LinkNative(ref MemoryMarshal.GetReference(oldPath), ref MemoryMarshal.GetReference(newPath)) == 0
            ? 0
            : Marshal.GetLastPInvokeError();

    /// <summary>mkdir(2) of a NUL-terminated UTF-8 path (the umask applies); returns 0 or the errno.</summary>
    public static int Mkdir(ReadOnlySpan<byte> path, UnixFileMode mode) =>
        MkdirNative(ref MemoryMarshal.GetReference(path), (uint)mode) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>open(2) for reading, without the flock .NET takes on every file it opens; a descriptor or -1.</summary>
    public static nint OpenForReading(string path) => OpenNative(ref NulTerminated(path)[0], O_RDONLY | O_CLOEXEC);

    /// <summary>The errno as text with its number, e.g. "Invalid cross-device link (errno 18)".</summary>
    public static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";

    private static byte[] NulTerminated(string path)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }
}
