using System.Net;
using AlpineMirror.Build.Demo;
using AlpineMirror.ClamAv;
using AlpineMirror.Storage;
using AlpineMirror.Tests.Support;
using AlpineMirror.Upstream;
using DnsClient;

namespace AlpineMirror.Tests.ClamAv;

/// <summary>
/// A stand-in for ClamAV's CDN (Kestrel on 127.0.0.1, with Range) serving the real <c>test</c> fixtures, and a mirror
/// root to mirror them into.
/// </summary>
internal sealed class ClamAvTestBed : IAsyncDisposable
{
    private ClamAvTestBed(string scratch, LocalUpstreamServer server, string upstreamFolder)
    {
        Scratch = scratch;
        Server = server;
        UpstreamFolder = upstreamFolder;
    }

    public LocalUpstreamServer Server { get; }

    /// <summary>The folder the stand-in serves.</summary>
    public string UpstreamFolder { get; }

    public string Scratch { get; }

    public MirrorRoot Root => new(Path.Combine(Scratch, "root"));

    public string Served => Path.Combine(Root.Path, "clamav");

    public ClamAvOptions Options => new()
    {
        Upstream = new Uri(Server.BaseUri.AbsoluteUri.TrimEnd('/')),
        Databases = ["test"],
        Dns = false,
        Interval = TimeSpan.Zero,
    };

    /// <summary>A test bed whose upstream announces <c>test</c> at <paramref name="version"/>.</summary>
    public static async Task<ClamAvTestBed> StartAsync(int version)
    {
        var scratch = Directory.CreateTempSubdirectory("clamav-").FullName;
        var upstream = ClamAvFixtures.Upstream(Path.Combine(scratch, "v" + version), version);
        var server = new LocalUpstreamServer(upstream, "/clamav");
        await server.StartAsync();
        Directory.CreateDirectory(Path.Combine(scratch, "root"));
        return new ClamAvTestBed(scratch, server, upstream);
    }

    /// <summary>Moves upstream to <paramref name="version"/>, as ClamAV publishing a new database does.</summary>
    public void UpstreamAt(int version) =>
        Server.Root = ClamAvFixtures.Upstream(Path.Combine(Scratch, "upstream-v" + version), version);

    /// <summary>
    /// Serves the fixtures as <c>daily</c>, a database DNS announces (the files do not name their database), and
    /// returns options that mirror it with DNS.
    /// </summary>
    public ClamAvOptions ServeAsDaily()
    {
        foreach (var name in Directory.GetFiles(UpstreamFolder))
        {
            File.Move(name, Path.Combine(UpstreamFolder, Path.GetFileName(name).Replace("test", "daily")));
        }

        return Options with { Databases = ["daily"], Dns = true };
    }

    public ClamAvMirror Mirror(ClamAvOptions? options = null, TimeProvider? time = null, ILookupClient? dns = null) =>
        new(options ?? Options, Root, new UpstreamClientOptions { Retries = 1, BaseDelay = TimeSpan.FromMilliseconds(10), Timeout = TimeSpan.FromSeconds(20) }, dns, time);

    public static ILookupClient Resolver(TxtDnsServer dns) =>
        new LookupClient(new LookupClientOptions(new NameServer(IPAddress.Loopback, dns.Port))
        {
            UseCache = false,
            Retries = 0,
            Timeout = TimeSpan.FromSeconds(5),
            UseTcpFallback = false,
        });

    /// <summary>The served folder's file names, sorted.</summary>
    public IReadOnlyList<string> ServedFiles() =>
        Directory.Exists(Served)
            ? Directory.EnumerateFiles(Served, "*", new EnumerationOptions { AttributesToSkip = 0 }).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>The request paths below /clamav/ since <paramref name="from"/>.</summary>
    public IReadOnlyList<string> RequestsSince(int from) =>
        Server.RequestedPaths.Skip(from).Select(p => p["/clamav/".Length..]).ToList();

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(Scratch, recursive: true);
    }
}
