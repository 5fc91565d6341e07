using System.Net;
using System.Net.Http.Headers;
using AlpineMirror.Build.Demo;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.Demo;

public sealed class LocalUpstreamServerTests : IAsyncLifetime
{
    private const string Strace = "v3.16/main/x86_64/strace-5.17-r0.apk";

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("alpinemirror-server-");
    private readonly LocalUpstreamServer _server;
    private readonly HttpClient _http = new();
    private readonly byte[] _strace = File.ReadAllBytes(Fixtures.Path("alpine-v3.16-main-x86_64", "strace-5.17-r0.apk"));

    public LocalUpstreamServerTests()
    {
        Write(_root.FullName, Strace, _strace);
        _server = new LocalUpstreamServer(_root.FullName);
    }

    public Task InitializeAsync() => _server.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        _root.Delete(recursive: true);
    }

    [Fact]
    public async Task Should_listen_on_loopback_below_the_prefix()
    {
        Assert.Equal("127.0.0.1", _server.BaseUri.Host);
        Assert.NotEqual(0, _server.BaseUri.Port);
        Assert.Equal("/alpine/", _server.BaseUri.AbsolutePath);

        var bytes = await _http.GetByteArrayAsync(new Uri(_server.BaseUri, Strace));

        Assert.Equal(_strace, bytes);
    }

    [Fact]
    public async Task Should_answer_head_with_length_and_no_body()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, new Uri(_server.BaseUri, Strace));

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(_strace.Length, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Should_serve_a_byte_range_as_partial_content()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_server.BaseUri, Strace));
        request.Headers.Range = new RangeHeaderValue(100, 199);

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes 100-199/{_strace.Length}", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(_strace[100..200], await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("alpine/v3.16/main/x86_64/missing-1.0-r0.apk")]
    [InlineData("alpine/v3.16/main/x86_64/")]
    [InlineData("v3.16/main/x86_64/strace-5.17-r0.apk")]
    public async Task Should_answer_not_found_for_missing_files_directories_and_paths_outside_the_prefix(string path)
    {
        using var response = await _http.GetAsync(new Uri(new Uri(_server.BaseUri, "/"), path));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Should_follow_a_directory_symlink_like_netboot()
    {
        Write(_root.FullName, "v3.16/releases/x86_64/netboot-3.16.2/vmlinuz-lts", "kernel 5.15.71"u8.ToArray());
        Directory.CreateSymbolicLink(Path.Combine(_root.FullName, "v3.16/releases/x86_64/netboot"), "netboot-3.16.2");

        var viaLink = await _http.GetStringAsync(new Uri(_server.BaseUri, "v3.16/releases/x86_64/netboot/vmlinuz-lts"));

        Assert.Equal("kernel 5.15.71", viaLink);
    }

    [Fact]
    public async Task Should_serve_the_new_root_after_a_switch()
    {
        var next = Directory.CreateTempSubdirectory("alpinemirror-server-next-");
        try
        {
            Write(next.FullName, "v3.16/releases/x86_64/latest-releases.yaml", "version: 3.16.3\n"u8.ToArray());
            var uri = new Uri(_server.BaseUri, "v3.16/releases/x86_64/latest-releases.yaml");
            Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(uri)).StatusCode);

            _server.Root = next.FullName;

            Assert.Equal("version: 3.16.3\n", await _http.GetStringAsync(uri));
            Assert.Equal(next.FullName, _server.Root);
        }
        finally
        {
            next.Delete(recursive: true);
        }
    }

    [Fact]
    public void Should_refuse_to_serve_a_missing_directory()
    {
        var missing = Path.Combine(_root.FullName, "does-not-exist");

        var error = Assert.Throws<DirectoryNotFoundException>(() => _server.Root = missing);

        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public async Task Should_count_and_log_every_request_including_faulted_ones()
    {
        _server.Intercept = FaultInjection.FirstRequests(1, FaultInjection.Status(500));
        var uri = new Uri(_server.BaseUri, Strace);

        Assert.Equal(HttpStatusCode.InternalServerError, (await _http.GetAsync(uri)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(uri)).StatusCode);
        await _http.GetAsync(new Uri(_server.BaseUri, "v3.16/main/x86_64/APKINDEX.tar.gz"));

        Assert.Equal(3, _server.RequestCount);
        Assert.Equal(
            ["/alpine/" + Strace, "/alpine/" + Strace, "/alpine/v3.16/main/x86_64/APKINDEX.tar.gz"],
            _server.RequestedPaths);
    }

    [Fact]
    public async Task Should_cut_the_body_short_after_the_real_headers()
    {
        _server.Intercept = FaultInjection.TruncateBody(1000);

        using var response = await _http.GetAsync(new Uri(_server.BaseUri, Strace), HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var received = new MemoryStream();
        var error = await Assert.ThrowsAnyAsync<IOException>(() => body.CopyToAsync(received));

        Assert.Equal(_strace.Length, response.Content.Headers.ContentLength);
        Assert.Equal(_strace[..1000], received.ToArray());
        Assert.IsType<HttpIOException>(error);
    }

    [Fact]
    public async Task Should_flip_exactly_one_byte_and_keep_the_size()
    {
        _server.Intercept = FaultInjection.ForPath(".apk", FaultInjection.FlipByte(70_000));

        var bytes = await _http.GetByteArrayAsync(new Uri(_server.BaseUri, Strace));

        Assert.Equal(_strace.Length, bytes.Length);
        var differing = Enumerable.Range(0, bytes.Length).Where(i => bytes[i] != _strace[i]).ToArray();
        Assert.Equal([70_000], differing);
        Assert.Equal((byte)(_strace[70_000] ^ 0xFF), bytes[70_000]);
    }

    [Fact]
    public async Task Should_drop_the_connection_on_abort()
    {
        _server.Intercept = FaultInjection.Abort();

        await Assert.ThrowsAsync<HttpRequestException>(() => _http.GetAsync(new Uri(_server.BaseUri, Strace)));
    }

    private static void Write(string root, string relativePath, byte[] content)
    {
        var path = Path.Combine(root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }
}
