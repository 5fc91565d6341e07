namespace AlpineMirror.Tests.Deploy;

/// <summary>Locates the repository's <c>deploy/boot-infrastructure.yml</c> from the test binaries.</summary>
internal static class SamplePlaybook
{
    private static readonly Lazy<string> Located = new(Locate);

    public static string Path => Located.Value;

    private static string Locate()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = System.IO.Path.Combine(directory.FullName, "deploy", "boot-infrastructure.yml");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{AppContext.BaseDirectory}: no deploy/boot-infrastructure.yml in any parent directory");
    }
}
