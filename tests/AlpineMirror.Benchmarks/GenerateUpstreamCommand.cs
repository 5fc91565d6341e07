using System.Diagnostics;
using System.Globalization;
using AlpineMirror.Apk;
using AlpineMirror.Demo;

namespace AlpineMirror.Benchmarks;

/// <summary>
/// <c>generate-upstream --root DIR --key-dir DIR [--packages N] [--bytes B] [--seed S] [--changed SHARE]</c>:
/// writes a synthetic upstream for bench/update.sh. Without <c>--changed</c> it writes point release 3.15.4; with it,
/// the next release (3.15.5) in which that share of packages changed, into the same root, as upstream moves on.
/// </summary>
/// <remarks>
/// The private key is kept in <c>--key-dir</c>, outside the served root, so that the second call signs with the
/// same key: it then rebuilds byte-identical files for unchanged packages, and the writer leaves those alone with
/// their modification time, which is what <c>wget --mirror</c> and <c>rsync</c> rely on.
/// </remarks>
internal static class GenerateUpstreamCommand
{
    public const string Name = "generate-upstream";

    private static readonly string[] Options = ["root", "key-dir", "packages", "bytes", "seed", "changed"];

    public static int Run(IReadOnlyList<string> args)
    {
        var options = new CommandArguments(Name, args, Options);
        var root = options.Required("root");
        var keyDirectory = options.Required("key-dir");
        var packages = options.Int("packages", 10_000);
        var bytes = options.Int("bytes", 20_000);
        var seed = options.Int("seed", 1);
        var changed = options.Double("changed");

        var watch = Stopwatch.StartNew();
        using var key = LoadOrCreateKey(keyDirectory);
        var release = UpstreamGenerator.Synthetic(packages, bytes, seed);
        if (changed is { } share)
        {
            release = release.WithChanges(share, seed);
        }

        var written = new UpstreamWriter(key).Write(root, release);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"release={release.Version} packages={written.PackageCount} package_bytes={written.PackageBytes} keys={written.KeysDirectory} seconds={watch.Elapsed.TotalSeconds:0.00}"));
        return 0;
    }

    internal static SigningKey LoadOrCreateKey(string directory)
    {
        Directory.CreateDirectory(directory);
        var existing = Directory.GetFiles(directory, "*.rsa");
        if (existing.Length > 1)
        {
            throw new CommandUsageException($"{Name}: --key-dir {directory}: expected at most one *.rsa private key, found {existing.Length}");
        }

        if (existing.Length == 1)
        {
            return SigningKey.Load(existing[0]);
        }

        var key = SigningKey.Create("bench@alpinemirror.test");
        key.WritePrivateKey(directory);
        return key;
    }
}
