using AlpineMirror.Apk;
using BenchmarkDotNet.Attributes;

namespace AlpineMirror.Benchmarks;

/// <summary>Reading, verifying and parsing Alpine's real v3.22 main/x86_64 index (5,646 packages).</summary>
[MemoryDiagnoser]
public class IndexReadBenchmark
{
    private byte[] _index = [];
    private TrustedKeys _keys = null!;

    [GlobalSetup]
    public void Setup()
    {
        _index = File.ReadAllBytes(SharedFixtures.Path("alpine-v3.22-main-x86_64", "APKINDEX.tar.gz"));
        _keys = TrustedKeys.Load(SharedFixtures.Path("keys", "alpine"));
    }

    [GlobalCleanup]
    public void Cleanup() => _keys.Dispose();

    [Benchmark]
    public int ReadVerifyParseV322() => ApkIndexReader.Read(_index, "v3.22/main/x86_64/APKINDEX.tar.gz", _keys).Entries.Count;
}
