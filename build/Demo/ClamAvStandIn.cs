namespace AlpineMirror.Build.Demo;

/// <summary>
/// Lays out ClamAV's real signed <c>test</c> database (shared/fixtures/clamav, see its PROVENANCE.md) as ClamAV's CDN
/// serves a database: <c>test.cvd</c> at one version, the patches up to it and the 1.5 <c>.sign</c> files.
/// </summary>
public static class ClamAvStandIn
{
    /// <summary>The fixtures folder, found beside one of the ancestors of the working or program folder; null when absent.</summary>
    public static string? FindFixtures()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "shared", "fixtures", "clamav");
                if (File.Exists(Path.Combine(candidate, "test-6.cvd")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>Writes into <paramref name="folder"/> what upstream serves when <c>test</c> is at <paramref name="version"/> (2 to 6).</summary>
    public static string Write(string fixtures, string folder, int version)
    {
        Directory.CreateDirectory(folder);
        Copy($"test-{version}.cvd", "test.cvd");
        Copy($"test-{version}.cvd.sign", $"test-{version}.cvd.sign");
        for (var patch = 2; patch <= version; patch++)
        {
            Copy($"test-{patch}.cdiff", $"test-{patch}.cdiff");
            Copy($"test-{patch}.cdiff.sign", $"test-{patch}.cdiff.sign");
        }

        return folder;

        void Copy(string from, string to) => File.Copy(Path.Combine(fixtures, from), Path.Combine(folder, to), overwrite: true);
    }
}
