using AlpineMirror.Tests.Apk;

namespace AlpineMirror.Tests.Storage;

/// <summary>What GNU find reports about a tree: inode, type, link count and symlink target per relative path.</summary>
/// <remarks>An independent view of the file system, so clone tests do not check our code with our code.</remarks>
internal static class FileTree
{
    public sealed record Entry(long Inode, char Type, int Links, string LinkTarget);

    public static IReadOnlyDictionary<string, Entry> List(string directory)
    {
        var output = ExternalCommand.Require("find", [directory, "-mindepth", "1", "-printf", @"%P\t%i\t%y\t%n\t%l\n"]).OutputText;
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .ToDictionary(f => f[0], f => new Entry(long.Parse(f[1]), f[2][0], int.Parse(f[3]), f[4]), StringComparer.Ordinal);
    }

    public static long Inode(string path) =>
        long.Parse(ExternalCommand.Require("stat", ["-c", "%i", path]).OutputText.Trim());
}
