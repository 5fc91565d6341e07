using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace AlpineMirror.Storage;

/// <summary>
/// The few libc calls .NET has no API for: rename(2) over a symlink to a directory, link(2), mkdir(2) without
/// a stat first, open(2) without an advisory lock, flock(2) on a descriptor, statx(2) for the device and inode numbers,
/// pwrite(2) without a seek probe,
/// realpath(3), and syncfs(2).
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
    public const int ELOOP = 40;
    public const int ENOSYS = 38;

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int RenameNative(ref byte oldPath, ref byte newPath);

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int LinkNative(ref byte oldPath, ref byte newPath);

    public const int EWOULDBLOCK = 11;

    private const int O_RDONLY = 0;
    private const int O_RDWR = 2;
    private const int O_CREAT = 0x40;
    private const int O_CLOEXEC = 0x80000;

    // asm-generic's value is x86's; Arm keeps its own (arch/arm*/include/uapi/asm/fcntl.h).
    private static readonly int O_NOFOLLOW =
        RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;
    private const int LOCK_EX = 2;
    private const int LOCK_NB = 4;

    private const int O_EXCL = 0x80;
    private const int O_DIRECTORY = 0x10000;

    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static extern int FlockNative(int descriptor, int operation);

    // open(2) is variadic; the mode travels as the third argument, read only with O_CREAT.
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int OpenNative(ref byte path, int flags, uint mode);

    [DllImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static extern int SyncFsNative(int descriptor);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int CloseNative(int descriptor);

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
    public static nint OpenForReading(string path) => OpenNative(ref NulTerminated(path)[0], O_RDONLY | O_CLOEXEC, 0);

    /// <summary>
    /// open(2) for reading and writing, creating the file with <paramref name="mode"/> (the umask applies) and taking
    /// no lock, never through a final symlink (ELOOP); returns a descriptor, or -1 with the errno in <paramref name="errno"/>.
    /// </summary>
    public static nint OpenOrCreate(string path, UnixFileMode mode, out int errno)
    {
        var descriptor = OpenNative(ref NulTerminated(path)[0], O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, (uint)mode);
        errno = descriptor < 0 ? Marshal.GetLastPInvokeError() : 0;
        return descriptor;
    }

    /// <summary>flock(2) LOCK_EX|LOCK_NB: an exclusive lock without waiting; returns 0 or the errno (EWOULDBLOCK when held).</summary>
    public static int LockExclusive(SafeHandle descriptor)
    {
        var added = false;
        try
        {
            descriptor.DangerousAddRef(ref added);
            return FlockNative((int)descriptor.DangerousGetHandle(), LOCK_EX | LOCK_NB) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
        finally
        {
            if (added)
            {
                descriptor.DangerousRelease();
            }
        }
    }

    /// <summary>open(2) of an existing file for reading and writing, without the flock .NET takes on every file it opens.</summary>
    /// <exception cref="IOException">open(2) failed; the message names the path and the errno.</exception>
    public static SafeFileHandle OpenForWriting(string path)
    {
        var descriptor = OpenNative(ref NulTerminated(path)[0], O_RDWR | O_CLOEXEC, 0);
        return descriptor >= 0
            ? new SafeFileHandle(descriptor, ownsHandle: true)
            : throw new IOException($"could not open '{path}': {Describe(Marshal.GetLastPInvokeError())}");
    }

    /// <summary>
    /// open(2) with O_CREAT | O_EXCL, without the flock: a new, empty file with <paramref name="mode"/>, or null when the
    /// name is taken by anything (the existing entry is never opened, so never written through a hard link).
    /// </summary>
    /// <exception cref="IOException">open(2) failed otherwise; the message names the path and the errno.</exception>
    public static SafeFileHandle? CreateNew(string path, UnixFileMode mode)
    {
        var descriptor = OpenNative(ref NulTerminated(path)[0], O_RDWR | O_CLOEXEC | O_CREAT | O_EXCL, (uint)mode);
        if (descriptor >= 0)
        {
            return new SafeFileHandle(descriptor, ownsHandle: true);
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == EEXIST ? null : throw new IOException($"could not create '{path}': {Describe(errno)}");
    }

    /// <summary>open(2) for reading without the flock, as a handle for <see cref="RandomAccess"/>.</summary>
    /// <exception cref="IOException">open(2) failed; the message names the path and the errno.</exception>
    public static SafeFileHandle OpenHandleForReading(string path)
    {
        var descriptor = OpenForReading(path);
        return descriptor >= 0
            ? new SafeFileHandle(descriptor, ownsHandle: true)
            : throw new IOException($"could not open '{path}': {Describe(Marshal.GetLastPInvokeError())}");
    }

    [DllImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    private static extern nint PWriteNative(SafeFileHandle descriptor, ref byte buffer, nint count, long offset);

    private const int EINTR = 4;

    /// <summary>
    /// pwrite(2) of all of <paramref name="bytes"/> at <paramref name="offset"/>: unlike <see cref="RandomAccess.Write(SafeFileHandle, ReadOnlySpan{byte}, long)"/>,
    /// no lseek(2) on first use to learn whether the handle can seek.
    /// </summary>
    /// <exception cref="IOException">pwrite(2) failed (e.g. the disk is full); the message names the errno.</exception>
    public static void WriteAt(SafeFileHandle file, ReadOnlySpan<byte> bytes, long offset)
    {
        while (!bytes.IsEmpty)
        {
            var written = PWriteNative(file, ref MemoryMarshal.GetReference(bytes), bytes.Length, offset);
            if (written < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR)
                {
                    continue;
                }

                throw new IOException(Describe(errno));
            }

            if (written == 0)
            {
                throw new IOException("pwrite wrote nothing");
            }

            bytes = bytes[(int)written..];
            offset += written;
        }
    }

    /// <summary>syncfs(2) of the file system holding <paramref name="path"/> (a folder); returns 0 or the errno.</summary>
    public static int SyncFileSystem(string path)
    {
        var descriptor = OpenNative(ref NulTerminated(path)[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        if (descriptor < 0)
        {
            return Marshal.GetLastPInvokeError();
        }

        var errno = SyncFsNative(descriptor) == 0 ? 0 : Marshal.GetLastPInvokeError();
        CloseNative(descriptor);
        return errno;
    }

    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_TYPE = 0x1;
    private const uint STATX_NLINK = 0x4;
    private const uint STATX_CTIME = 0x80;
    private const uint STATX_INO = 0x100;
    private const uint STATX_SIZE = 0x200;
    private const uint STATX_BTIME = 0x800;
    private const int EINVAL = 22;

    // struct statx is the same on every architecture (linux/stat.h): 256 bytes, these offsets.
    private const int StatxLength = 256;
    private const int StatxMaskOffset = 0, StatxLinksOffset = 16, StatxModeOffset = 28, StatxInodeOffset = 32, StatxSizeOffset = 40, StatxBirthTimeOffset = 80, StatxChangeTimeOffset = 96;
    private const int StatxDeviceMajorOffset = 136, StatxDeviceMinorOffset = 140;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int StatxNative(int directory, ref byte path, int flags, uint mask, ref byte buffer);

    /// <summary>statx(2) of <paramref name="path"/> itself (a final symlink is not followed); returns 0 or the errno.</summary>
    public static int StatNoFollow(string path, out FileStatus status) => Stat(path, AT_SYMLINK_NOFOLLOW, out status);

    /// <summary>statx(2) of what <paramref name="path"/> resolves to, every symlink followed; returns 0 or the errno.</summary>
    public static int StatFollow(string path, out FileStatus status) => Stat(path, 0, out status);

    /// <summary>
    /// statx(2) of an open file (<c>AT_EMPTY_PATH</c>): no path to resolve, and it describes the very file the handle
    /// holds, whatever its name became since; returns 0 or the errno.
    /// </summary>
    public static int Stat(SafeFileHandle file, out FileStatus status)
    {
        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            Span<byte> empty = [0];
            return Stat((int)file.DangerousGetHandle(), empty, AT_EMPTY_PATH, out status);
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    private static int Stat(string path, int flags, out FileStatus status)
    {
        status = default;
        if (path.Contains('\0'))
        {
            // libc would stop at the NUL and describe another path.
            return EINVAL;
        }

        var length = Encoding.UTF8.GetByteCount(path) + 1;
        Span<byte> utf8 = length <= 1024 ? stackalloc byte[length] : new byte[length];
        utf8[Encoding.UTF8.GetBytes(path, utf8)] = 0;
        return Stat(AT_FDCWD, utf8, flags, out status);
    }

    private static int Stat(int directory, Span<byte> utf8Path, int flags, out FileStatus status)
    {
        status = default;
        Span<byte> buffer = stackalloc byte[StatxLength];
        const uint wanted = STATX_TYPE | STATX_NLINK | STATX_INO | STATX_SIZE;
        try
        {
            if (StatxNative(directory, ref utf8Path[0], flags, wanted | STATX_BTIME | STATX_CTIME, ref buffer[0]) != 0)
            {
                return Marshal.GetLastPInvokeError();
            }

            if ((Field<uint>(buffer, StatxMaskOffset) & wanted) != wanted)
            {
                return ENOSYS;
            }
        }
        catch (EntryPointNotFoundException)
        {
            // A libc older than glibc 2.28 or musl 1.2.5: callers then treat every file as unknown.
            return ENOSYS;
        }

        var device = ((ulong)Field<uint>(buffer, StatxDeviceMajorOffset) << 32) | Field<uint>(buffer, StatxDeviceMinorOffset);
        // Not every file system records a birth time; 0 then stands for "unknown".
        var birth = (Field<uint>(buffer, StatxMaskOffset) & STATX_BTIME) == 0
            ? 0
            : Field<long>(buffer, StatxBirthTimeOffset) * 1_000_000_000 + Field<uint>(buffer, StatxBirthTimeOffset + 8);
        var change = (Field<uint>(buffer, StatxMaskOffset) & STATX_CTIME) == 0
            ? 0
            : Field<long>(buffer, StatxChangeTimeOffset) * 1_000_000_000 + Field<uint>(buffer, StatxChangeTimeOffset + 8);
        status = new FileStatus(device, Field<ulong>(buffer, StatxInodeOffset), (long)Field<ulong>(buffer, StatxSizeOffset),
            Field<ushort>(buffer, StatxModeOffset) & FileStatus.TypeMask)
        {
            BirthTime = birth,
            ChangeTime = change,
            Links = Field<uint>(buffer, StatxLinksOffset),
        };
        return 0;
    }

    [DllImport("libc", EntryPoint = "realpath", SetLastError = true)]
    private static extern nint RealPathNative(ref byte path, nint resolved);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void Free(nint pointer);

    /// <summary>realpath(3): the absolute path with every symlink, <c>.</c> and <c>..</c> resolved; null when it does not resolve.</summary>
    public static string? RealPath(string path)
    {
        if (path.Contains('\0'))
        {
            return null;
        }

        var resolved = RealPathNative(ref NulTerminated(path)[0], 0);
        if (resolved == 0)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }

    /// <summary>The errno as text with its number, e.g. "Invalid cross-device link (errno 18)".</summary>
    public static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";

    private static T Field<T>(ReadOnlySpan<byte> buffer, int offset)
        where T : unmanaged => MemoryMarshal.Read<T>(buffer[offset..]);

    private static byte[] NulTerminated(string path)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }
}
