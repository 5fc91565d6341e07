using System.Diagnostics;
using System.Globalization;
using AlpineMirror.Apk;
using AlpineMirror.Demo;

namespace AlpineMirror.Benchmarks;

/// <summary>
/// <c>generate-indexes --root DIR --key-dir DIR --packages N --repos main,community --archs x86_64,aarch64 [--seed S]
/// [--changed SHARE]</c>: writes only signed APKINDEX.tar.gz files (no packages) under <c>DIR/v3.15/&lt;repo&gt;/&lt;arch&gt;/</c>,
/// N packages spread evenly over every repository and architecture, and the public key under <c>DIR/keys/</c>. With
/// <c>--changed</c>, that share of the packages gets a new version and checksum. For bench/update.sh's scale case:
/// what Plan costs, in time and memory, as the package count grows.
/// </summary>
internal static class GenerateIndexesCommand
{
    public const string Name = "generate-indexes";

    private static readonly string[] Options = ["root", "key-dir", "packages", "repos", "archs", "seed", "changed"];

    public static int Run(IReadOnlyList<string> args)
    {
        var options = new CommandArguments(Name, args, Options);
        var root = options.Required("root");
        var keyDirectory = options.Required("key-dir");
        var packages = options.Int("packages", 50_000);
        var repos = options.Required("repos").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var archs = options.Required("archs").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var seed = options.Int("seed", 1);
        var changed = options.Double("changed") ?? 0;
        var watch = Stopwatch.StartNew();

        using var key = GenerateUpstreamCommand.LoadOrCreateKey(keyDirectory);
        var keys = Directory.CreateDirectory(Path.Combine(root, UpstreamWriter.KeysDirectoryName)).FullName;
        key.WritePublicKey(keys);
        var writer = new RepositoryWriter(key);
        var perIndex = packages / (repos.Length * archs.Length);
        var random = new Random(seed);
        var changes = new Random(seed + 1);
        foreach (var repo in repos)
        {
            foreach (var arch in archs)
            {
                var entries = new List<ApkIndexEntry>(perIndex);
                for (var i = 0; i < perIndex; i++)
                {
                    var build = changed > 0 && changes.NextDouble() < changed ? 2 : 1;
                    var checksum = new byte[20];
                    random.NextBytes(checksum);
                    if (build == 2)
                    {
                        checksum[0] ^= 0xff;
                    }

                    entries.Add(new ApkIndexEntry
                    {
                        Checksum = "Q1" + Convert.ToBase64String(checksum),
                        Name = string.Create(CultureInfo.InvariantCulture, $"{repo}-pkg{i:D6}"),
                        Version = string.Create(CultureInfo.InvariantCulture, $"1.{i % 97}.{i % 13}-r{build}"),
                        Arch = arch,
                        Size = 10_000 + random.Next(200_000),
                        InstalledSize = 40_000 + random.Next(800_000),
                        Description = "synthetic package for the scale benchmark",
                        Url = "https://example.org/",
                        License = "MIT",
                        Origin = string.Create(CultureInfo.InvariantCulture, $"{repo}-pkg{i:D6}"),
                        Maintainer = "Bench <bench@example.org>",
                        BuildTime = 1_700_000_000 + i,
                        Commit = Convert.ToHexStringLower(checksum),
                        Depends = ["so:libc.musl-x86_64.so.1"],
                        Provides = [string.Create(CultureInfo.InvariantCulture, $"cmd:{repo}-pkg{i:D6}=1.0")],
                    });
                }

                var directory = Directory.CreateDirectory(Path.Combine(root, UpstreamGenerator.Branch, repo, arch)).FullName;
                writer.WriteIndex(directory, entries, $"{repo} {arch} scale bench");
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"packages={perIndex * repos.Length * archs.Length} indexes={repos.Length * archs.Length} keys={keys} seconds={watch.Elapsed.TotalSeconds:0.00}"));
        return 0;
    }
}
