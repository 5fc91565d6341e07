using AlpineMirror.Tests.Apk;

namespace AlpineMirror.Tests.Mirroring;

/// <summary>A real size-limited tmpfs, to fill a disk for real; only root may mount one.</summary>
internal static class TmpfsMount
{
    public static bool TryMount(string directory, long bytes)
    {
        if (Environment.UserName != "root")
        {
            return false;
        }

        var result = ExternalCommand.Run("mount", ["-t", "tmpfs", "-o", $"size={Math.Max(bytes, 4096)}", "tmpfs", directory]);
        return result.ExitCode == 0;
    }

    public static void Unmount(string directory)
    {
        var result = ExternalCommand.Run("umount", [directory]);
        Assert.True(result.ExitCode == 0, $"umount {directory}: {result.Error}");
    }
}
