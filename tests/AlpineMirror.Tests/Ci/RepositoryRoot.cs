namespace AlpineMirror.Tests.Ci;

/// <summary>Locates the checkout (the folder holding AlpineMirror.sln) from the test binaries.</summary>
internal static class RepositoryRoot
{
    private static readonly Lazy<string> Located = new(Locate);

    public static string Path => Located.Value;

    /// <summary>A path inside the checkout.</summary>
    public static string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Locate()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(directory.FullName, "AlpineMirror.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"{AppContext.BaseDirectory}: no AlpineMirror.sln in any parent directory");
    }
}
