using AlpineMirror.Demo;

namespace AlpineMirror.Tests.Support;

/// <summary>
/// Three point releases signed by one key, each in its own upstream root: the demo's 3.15.4 and 3.15.5, and a 3.15.6
/// that rebuilds a tenth of 3.15.5. Written once per test class; tests only read these files.
/// </summary>
public sealed class DemoReleaseSeries : IDisposable
{
    private readonly GeneratedUpstream _upstream = new();

    public DemoReleaseSeries()
    {
        var (first, second) = UpstreamGenerator.Demo();
        Releases = [first, second, second.WithChanges(0.1, seed: 3)];
        Roots = Releases.Select(release => _upstream.Write(release.Version, release)).ToList();
    }

    /// <summary>3.15.4, 3.15.5, 3.15.6.</summary>
    public IReadOnlyList<UpstreamRelease> Releases { get; }

    /// <summary>The upstream root of each release, in the same order.</summary>
    public IReadOnlyList<string> Roots { get; }

    public string KeysDirectory => _upstream.KeysDirectory;

    public void Dispose() => _upstream.Dispose();
}
