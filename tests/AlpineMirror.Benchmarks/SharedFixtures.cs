namespace AlpineMirror.Benchmarks;

/// <summary>Finds ../shared/fixtures beside the checkout, where the real Alpine indexes and keys live.</summary>
internal static class SharedFixtures
{
    public static string Root { get; } = Locate();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

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

        throw new DirectoryNotFoundException($"no shared/fixtures above {AppContext.BaseDirectory}");
    }
}
