using AlpineMirror.Demo;

namespace AlpineMirror.Tests.Support;

/// <summary>
/// A synthetic 3.15.4 of <see cref="PackageCount"/> small packages and a 3.15.5 that rebuilt half of them, written once
/// per test class into two upstream roots signed by one key. Tests only read these files.
/// </summary>
public sealed class SyntheticReleases : IDisposable
{
    public const int PackageCount = 200;

    private readonly GeneratedUpstream _upstream = new();

    public SyntheticReleases()
    {
        First = UpstreamGenerator.Synthetic(PackageCount, UpstreamGenerator.MinPackageBytes, seed: 5);
        Second = First.WithChanges(0.5, seed: 9);
        FirstRoot = _upstream.Write(First.Version, First);
        SecondRoot = _upstream.Write(Second.Version, Second);
    }

    public UpstreamRelease First { get; }
    public UpstreamRelease Second { get; }
    /// <summary>Upstream roots: &lt;root&gt;/v3.15/main/x86_64/…, as a server serves them below /alpine.</summary>
    public string FirstRoot { get; }
    public string SecondRoot { get; }
    public string KeysDirectory => _upstream.KeysDirectory;

    public string BranchDirectory(string upstreamRoot) => Path.Combine(upstreamRoot, First.Branch);

    public void Dispose() => _upstream.Dispose();
}
