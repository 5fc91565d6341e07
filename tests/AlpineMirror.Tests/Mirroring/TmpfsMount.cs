using AlpineMirror.Tests.Apk;

namespace AlpineMirror.Tests.Mirroring;

/// <summary>
/// A real size-limited tmpfs, to fill a disk for real. Only root may mount one: a test run as another user (GitHub's
/// hosted runners) mounts it through passwordless sudo, owned by that user; without either the test fails, saying why.
/// </summary>
internal static class TmpfsMount
{
    private static readonly Lazy<string> UserId = new(() => Id("-u"));
    private static readonly Lazy<string> GroupId = new(() => Id("-g"));

    public static void Mount(string directory, long bytes)
    {
        var options = $"size={Math.Max(bytes, 4096)},uid={UserId.Value},gid={GroupId.Value},mode=0700";
        var result = AsRoot("mount", ["-t", "tmpfs", "-o", options, "tmpfs", directory]);
        Assert.True(result.ExitCode == 0,
            $"mount -t tmpfs -o {options} tmpfs {directory} exited {result.ExitCode}: {result.Error.Trim()}. "
            + "This test fills a real file system: run it as root or as a user with passwordless sudo (as .ci/run does on GitHub's runners).");
    }

    public static void Unmount(string directory)
    {
        var result = AsRoot("umount", [directory]);
        Assert.True(result.ExitCode == 0, $"umount {directory}: {result.Error}");
    }

    private static ExternalCommand.Result AsRoot(string program, string[] arguments) =>
        UserId.Value == "0"
            ? ExternalCommand.Run(program, arguments)
            : ExternalCommand.Run("sudo", ["--non-interactive", program, .. arguments]);

    private static string Id(string which) => ExternalCommand.Require("id", [which]).OutputText.Trim();
}
