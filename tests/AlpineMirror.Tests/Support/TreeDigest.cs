using System.Security.Cryptography;

namespace AlpineMirror.Tests.Support;

/// <summary>
/// The content of a folder tree, entry by entry: files by SHA-256, symlinks by their target text (never followed),
/// folders by name. Two trees with equal digests hold the same bytes under the same paths.
/// </summary>
public static class TreeDigest
{
    /// <summary>Relative path → <c>file &lt;sha256&gt;</c>, <c>link &lt;target&gt;</c> or <c>folder</c>, in ordinal order.</summary>
    /// <param name="skip">Top-level names to leave out, e.g. <c>.alpinemirror</c>.</param>
    public static SortedDictionary<string, string> Of(string directory, params string[] skip)
    {
        var digest = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in Walk(new DirectoryInfo(directory)))
        {
            var relative = Path.GetRelativePath(directory, entry.FullName);
            if (skip.Contains(relative.Split('/')[0]))
            {
                continue;
            }

            digest[relative] = entry switch
            {
                { LinkTarget: { } target } => $"link {target}",
                DirectoryInfo => "folder",
                _ => $"file {Sha256(entry.FullName)}",
            };
        }

        return digest;
    }

    /// <summary>The digest as "path: entry" lines, for assertions that show the first difference.</summary>
    public static IReadOnlyList<string> Lines(string directory, params string[] skip) =>
        Of(directory, skip).Select(pair => $"{pair.Key}: {pair.Value}").ToList();

    /// <summary>Relative paths of every <c>*.partial</c> temporary below <paramref name="directory"/>, hidden ones included.</summary>
    public static IReadOnlyList<string> Temporaries(string directory) =>
        Walk(new DirectoryInfo(directory))
            .Where(entry => entry.Name.EndsWith(".partial", StringComparison.Ordinal))
            .Select(entry => Path.GetRelativePath(directory, entry.FullName))
            .ToList();

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    // Recurses into real folders only: a symlink is an entry of its own, as rsync -l and cp -a see it.
    private static IEnumerable<FileSystemInfo> Walk(DirectoryInfo directory)
    {
        if (!directory.Exists)
        {
            yield break;
        }

        foreach (var entry in directory.EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }))
        {
            yield return entry;
            if (entry is DirectoryInfo { LinkTarget: null } folder)
            {
                foreach (var child in Walk(folder))
                {
                    yield return child;
                }
            }
        }
    }
}
