using AlpineMirror.Build.Demo;

namespace AlpineMirror.Tests.Support;

/// <summary>
/// Base of the tests that run the pipeline against the demo releases: an empty mirror root and a server on 127.0.0.1
/// serving the first release (switch <c>Server.Root</c> to serve the second), both new for every test.
/// </summary>
public abstract class ServedDemoUpstream(DemoReleases releases) : IClassFixture<DemoReleases>, IAsyncLifetime
{
    protected DemoReleases Releases { get; } = releases;
    protected TemporaryMirrorRoot Root { get; } = new();
    protected LocalUpstreamServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = new LocalUpstreamServer(Releases.FirstRoot);
        await Server.StartAsync();
    }

    public virtual async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Root.Dispose();
    }
}
