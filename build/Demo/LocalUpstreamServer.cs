using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Physical;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace AlpineMirror.Build.Demo;

/// <summary>A static file server on 127.0.0.1 that plays upstream: GET, HEAD, Range, 404, and per-request fault injection.</summary>
/// <remarks>
/// Serves <see cref="Root"/> below <see cref="BaseUri"/> (e.g. <c>http://127.0.0.1:41234/alpine/</c>), following symlinks
/// such as <c>netboot -&gt; netboot-3.15.5</c>. <see cref="Root"/> can be switched while running, so a demo can move
/// upstream from one point release to the next.
/// </remarks>
public sealed class LocalUpstreamServer : IAsyncDisposable
{
    private readonly string _pathPrefix;
    private readonly SwitchableFileProvider _files;
    private readonly ConcurrentQueue<string> _requestedPaths = new();
    private WebApplication? _app;
    private int _requestCount;

    /// <summary>A server for <paramref name="root"/> below <paramref name="pathPrefix"/>; call <see cref="StartAsync"/>.</summary>
    public LocalUpstreamServer(string root, string pathPrefix = "/alpine")
    {
        ArgumentNullException.ThrowIfNull(pathPrefix);
        if (!pathPrefix.StartsWith('/') || pathPrefix.EndsWith('/'))
        {
            throw new ArgumentException($"expected a path prefix like '/alpine', got '{pathPrefix}'", nameof(pathPrefix));
        }

        _pathPrefix = pathPrefix;
        _files = new SwitchableFileProvider(root);
    }

    /// <summary>The directory served; switch it at any time, later requests see the new tree.</summary>
    public string Root
    {
        get => _files.Root;
        set => _files.Root = value;
    }

    /// <summary>The served tree's URL, ending with <c>/</c>; valid after <see cref="StartAsync"/>.</summary>
    public Uri BaseUri { get; private set; } = new("http://127.0.0.1/");

    /// <summary>How many requests arrived, faulted ones included.</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    /// <summary>The path of every request in arrival order, e.g. <c>/alpine/v3.15/main/x86_64/APKINDEX.tar.gz</c>.</summary>
    public IReadOnlyList<string> RequestedPaths => _requestedPaths.ToArray();

    /// <summary>
    /// Runs before each request is served; call the second argument to serve it normally, or answer yourself
    /// (a status, <see cref="HttpContext.Abort"/>, a wrapped <see cref="HttpResponse.Body"/>, a delay).
    /// </summary>
    public Func<HttpContext, Func<Task>, Task>? Intercept { get; set; }

    /// <summary>Binds a free port on 127.0.0.1 and starts serving.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException($"{BaseUri}: already started");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            Interlocked.Increment(ref _requestCount);
            _requestedPaths.Enqueue(context.Request.PathBase + context.Request.Path);
            if (Intercept is { } intercept)
            {
                await intercept(context, () => next(context));
            }
            else
            {
                await next(context);
            }
        });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = _files,
            RequestPath = _pathPrefix,
            ServeUnknownFileTypes = true,
            DefaultContentType = "application/octet-stream",
        });

        await app.StartAsync(cancellationToken);
        _app = app;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()
            ?? throw new InvalidOperationException("Kestrel reported no listening address");
        var address = addresses.Addresses.First();
        BaseUri = new Uri($"http://127.0.0.1:{new Uri(address).Port}{_pathPrefix}/");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }

        _files.Dispose();
    }

    /// <summary>Delegates to a <see cref="PhysicalFileProvider"/> that can be replaced while requests are served.</summary>
    private sealed class SwitchableFileProvider : IFileProvider, IDisposable
    {
        private PhysicalFileProvider _current;
        private string _root;

        public SwitchableFileProvider(string root)
        {
            _root = FullPath(root);
            _current = Open(_root);
        }

        // PhysicalFileProvider.Root gains a trailing separator; report the path as given (made absolute).
        public string Root
        {
            get => Volatile.Read(ref _root);
            set
            {
                var root = FullPath(value);
                Interlocked.Exchange(ref _current, Open(root)).Dispose();
                Volatile.Write(ref _root, root);
            }
        }

        public IFileInfo GetFileInfo(string subpath) => Volatile.Read(ref _current).GetFileInfo(subpath);

        public IDirectoryContents GetDirectoryContents(string subpath) => Volatile.Read(ref _current).GetDirectoryContents(subpath);

        public IChangeToken Watch(string filter) => NullChangeToken.Singleton;

        public void Dispose() => _current.Dispose();

        // ExclusionFilters.None: serve dot files too, as nginx does for a real upstream tree.
        private static PhysicalFileProvider Open(string root) => new(root, ExclusionFilters.None);

        private static string FullPath(string root)
        {
            ArgumentNullException.ThrowIfNull(root);
            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
            return Directory.Exists(full)
                ? full
                : throw new DirectoryNotFoundException($"{full}: the directory to serve does not exist");
        }
    }
}
