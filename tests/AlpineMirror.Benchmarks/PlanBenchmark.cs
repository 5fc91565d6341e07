using AlpineMirror.Apk;
using AlpineMirror.Planning;
using BenchmarkDotNet.Attributes;

namespace AlpineMirror.Benchmarks;

/// <summary>
/// The Plan hot path for one repository: read and verify two signed 6,000-package indexes (the published one and
/// upstream's, 1 % of packages updated, a few added and removed) and diff them.
/// </summary>
[MemoryDiagnoser]
public class PlanBenchmark
{
    private const int PackageCount = 6000;
    private string _directory = "";
    private byte[] _before = [];
    private byte[] _after = [];
    private TrustedKeys _keys = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("plan-bench-").FullName;
        using var key = SigningKey.Create("bench@alpinemirror.test");
        key.WritePublicKey(_directory);
        _keys = TrustedKeys.Load(_directory);
        var writer = new RepositoryWriter(key);

        var before = Enumerable.Range(0, PackageCount).Select(i => Entry(i, revision: 0)).ToList();
        var after = before
            .Where((_, i) => i % 500 != 7)                                  // 12 removed
            .Select((e, i) => i % 100 == 3 ? Entry(i, revision: 1) : e)    // 1 % updated
            .Concat(Enumerable.Range(PackageCount, 12).Select(i => Entry(i, revision: 0)))
            .ToList();

        _before = Write(writer, "before", before);
        _after = Write(writer, "after", after);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _keys.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public int PlanBetweenTwoIndexes()
    {
        var published = ApkIndexReader.Read(_before, "published/APKINDEX.tar.gz", _keys);
        var upstream = ApkIndexReader.Read(_after, "upstream/APKINDEX.tar.gz", _keys);
        var diff = IndexDiff.Compare(published.Entries, upstream.Entries);
        return diff.Added.Count + diff.Updated.Count + diff.Removed.Count;
    }

    private byte[] Write(RepositoryWriter writer, string name, IEnumerable<ApkIndexEntry> entries)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_directory, name)).FullName;
        return File.ReadAllBytes(writer.WriteIndex(directory, entries, "v3.15.5-100-gbench"));
    }

    // Field sizes like a real Alpine record, so parsing costs what it costs on real indexes.
    private static ApkIndexEntry Entry(int i, int revision) => new()
    {
        Checksum = "Q1" + Convert.ToBase64String(System.Security.Cryptography.SHA1.HashData(BitConverter.GetBytes(i * 31 + revision))),
        Name = $"package-{i:D5}",
        Version = $"1.{i % 97}.{i % 13}-r{revision}",
        Arch = "x86_64",
        Size = 20_000 + i,
        InstalledSize = 80_000 + i,
        Description = $"Synthetic package number {i} for the plan benchmark",
        Url = $"https://example.org/projects/package-{i}",
        License = i % 3 == 0 ? "MIT" : "GPL-2.0-or-later",
        Origin = $"package-{i / 3:D5}",
        Maintainer = "Bench Maintainer <bench@example.org>",
        BuildTime = 1_700_000_000 + i,
        Commit = "0123456789abcdef0123456789abcdef01234567",
        Depends = [$"so:libc.musl-x86_64.so.1", $"package-{(i + 1) % PackageCount:D5}"],
        Provides = [$"so:libpackage{i}.so.1=1.0.0", $"cmd:package-{i}=1.{i % 97}.{i % 13}-r{revision}"],
    };
}
