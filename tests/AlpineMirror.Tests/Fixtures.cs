namespace AlpineMirror.Tests;

/// <summary>Locates the real Alpine test data in ../shared/fixtures beside the repository (see its PROVENANCE.md).</summary>
public static class Fixtures
{
    private static readonly Lazy<string> LocatedRoot = new(Locate);

    /// <summary>The absolute path of the shared fixtures folder.</summary>
    public static string Root => LocatedRoot.Value;

    /// <summary>Alpine's public signing keys.</summary>
    public static string AlpineKeys => Path("keys", "alpine");

    /// <summary>A path inside the fixtures folder.</summary>
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([Root, .. parts]);

    // Fixtures are never copied into the repository, so walk up from the test binaries
    // until a "shared/fixtures" folder appears next to one of the ancestors.
    private static string Locate()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = System.IO.Path.Combine(directory.FullName, "shared", "fixtures");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"{AppContext.BaseDirectory}: no shared/fixtures folder found in any parent directory");
    }
}
