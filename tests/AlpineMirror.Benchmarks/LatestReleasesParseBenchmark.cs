using AlpineMirror.Upstream;
using BenchmarkDotNet.Attributes;

namespace AlpineMirror.Benchmarks;

/// <summary>Parsing a real-sized latest-releases.yaml: the real v3.13 x86 excerpt repeated to a dozen images, as one arch folder lists them.</summary>
[MemoryDiagnoser]
public class LatestReleasesParseBenchmark
{
    private byte[] _yaml = [];

    [GlobalSetup]
    public void Setup()
    {
        var excerpt = File.ReadAllText(SharedFixtures.Path("releases", "v3.13-releases-x86-latest-releases.yaml.excerpt")).Replace("---\n", "");
        _yaml = System.Text.Encoding.UTF8.GetBytes("---\n" + string.Concat(Enumerable.Repeat(excerpt, 6)));
    }

    [Benchmark]
    public int ParseTwelveImages() => LatestReleases.Parse(_yaml, "x86/latest-releases.yaml").Images.Count;
}
