using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AlpineMirror.Build.Demo;
using AlpineMirror.Configuration;
using AlpineMirror.Tests.Support;
using AlpineMirror.Upstream;

namespace AlpineMirror.Tests.Upstream;

public sealed class UpstreamClientTests : IAsyncLifetime
{
    private const string IndexPath = "v3.16/main/x86_64/APKINDEX.tar.gz";

    // Tiny delays keep the suite fast; the behaviour under test is the same as with seconds.
    private static readonly UpstreamClientOptions Fast = new()
    {
        Timeout = TimeSpan.FromSeconds(5),
        Retries = 3,
        BaseDelay = TimeSpan.FromMilliseconds(2),
    };

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("alpinemirror-upstream-");
    private readonly LocalUpstreamServer _server;
    private readonly byte[] _index;

    public UpstreamClientTests()
    {
        // A real signed Alpine index, served as upstream serves it.
        var index = Path.Combine(_root.FullName, IndexPath);
        Directory.CreateDirectory(Path.GetDirectoryName(index)!);
        File.Copy(Fixtures.Path("alpine-v3.16-main-x86_64", "APKINDEX.tar.gz"), index);
        _index = File.ReadAllBytes(index);
        _server = new LocalUpstreamServer(_root.FullName);
    }

    private UpstreamLayout Layout => new(_server.BaseUri, "v3.16");

    private Uri IndexUri => Layout.IndexUri("main", "x86_64");

    public Task InitializeAsync() => _server.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _root.Delete(recursive: true);
    }

    [Fact]
    public async Task Should_download_real_index_byte_for_byte_in_one_request()
    {
        using var client = new UpstreamClient(Fast);

        var bytes = await client.GetBytesAsync(IndexUri, 10 << 20, CancellationToken.None);

        Assert.Equal(_index, bytes);
        Assert.Equal(["/alpine/" + IndexPath], _server.RequestedPaths);
    }

    [Fact]
    public async Task Should_retry_server_error_then_succeed()
    {
        _server.Intercept = FaultInjection.FirstRequests(1, FaultInjection.Status(500));
        using var client = new UpstreamClient(Fast);

        var bytes = await client.GetBytesAsync(IndexUri, 10 << 20, CancellationToken.None);

        Assert.Equal(_index, bytes);
        Assert.Equal(2, _server.RequestCount);
    }

    [Fact]
    public async Task Should_retry_not_found_while_upstream_uploads_packages()
    {
        var package = Path.Combine(_root.FullName, "v3.16/main/x86_64/strace-5.17-r0.apk");
        File.Copy(Fixtures.Path("alpine-v3.16-main-x86_64", "strace-5.17-r0.apk"), package);
        _server.Intercept = FaultInjection.FirstRequests(2, FaultInjection.Status(404));
        using var client = new UpstreamClient(Fast);

        var bytes = await client.GetBytesAsync(Layout.PackageUri("main", "x86_64", "strace-5.17-r0.apk"), 1 << 20, CancellationToken.None);

        Assert.Equal(File.ReadAllBytes(package), bytes);
        Assert.Equal(3, _server.RequestCount);
    }

    [Fact]
    public async Task Should_give_up_after_all_retries_naming_url_status_and_attempts()
    {
        _server.Intercept = FaultInjection.Status(500);
        using var client = new UpstreamClient(Fast);

        var error = await Assert.ThrowsAsync<UpstreamException>(() => client.GetBytesAsync(IndexUri, 10 << 20, CancellationToken.None));

        Assert.Equal($"{IndexUri.AbsoluteUri}: HTTP 500 Internal Server Error (after 4 attempts)", error.Message);
        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal(4, error.Attempts);
        Assert.Equal(4, _server.RequestCount);
    }

    [Fact]
    public async Task Should_not_retry_a_status_that_will_not_change()
    {
        _server.Intercept = FaultInjection.Status(403);
        using var client = new UpstreamClient(Fast);

        var error = await Assert.ThrowsAsync<UpstreamException>(() => client.GetBytesAsync(IndexUri, 10 << 20, CancellationToken.None));

        Assert.Equal($"{IndexUri.AbsoluteUri}: HTTP 403 Forbidden (after 1 attempt)", error.Message);
        Assert.Equal(1, _server.RequestCount);
    }

    [Fact]
    public async Task Should_report_unreachable_upstream_clearly()
    {
        var closedPort = ClosedPort();
        var uri = new UpstreamLayout(new Uri($"http://127.0.0.1:{closedPort}/alpine"), "v3.16").IndexUri("main", "x86_64");
        using var client = new UpstreamClient(Fast with { Retries = 1 });

        var error = await Assert.ThrowsAsync<UpstreamException>(() => client.GetBytesAsync(uri, 1024, CancellationToken.None));

        Assert.StartsWith($"http://127.0.0.1:{closedPort}/alpine/v3.16/main/x86_64/APKINDEX.tar.gz: ", error.Message);
        // Said once: the inner SocketException's text is folded into the outer message.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(error.Message, "Connection refused"));
        Assert.EndsWith("(after 2 attempts)", error.Message);
        Assert.Null(error.StatusCode);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task Should_retry_a_slow_response_and_give_up_after_each_attempt_times_out()
    {
        // Given upstream that never answers; the timeout is long enough for a request to reach it on a loaded machine
        _server.Intercept = FaultInjection.Stall();
        using var client = new UpstreamClient(Fast with { Timeout = TimeSpan.FromSeconds(1), Retries = 1 });
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<UpstreamException>(() => client.GetBytesAsync(IndexUri, 10 << 20, CancellationToken.None));

        Assert.Equal($"{IndexUri.AbsoluteUri}: no complete response within 1 s (after 2 attempts)", error.Message);
        Assert.Equal(2, _server.RequestCount);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2), $"gave up after {clock.Elapsed}, before two timeouts");
    }

    [Fact]
    public async Task Should_succeed_when_only_the_first_attempt_is_slow()
    {
        // Given upstream that never answers the first request; the timeout leaves the second ample time on a loaded machine
        _server.Intercept = FaultInjection.FirstRequests(1, FaultInjection.Stall());
        using var client = new UpstreamClient(Fast with { Timeout = TimeSpan.FromSeconds(2) });

        var bytes = await client.GetBytesAsync(IndexUri, 10 << 20, CancellationToken.None);

        Assert.Equal(_index, bytes);
        Assert.Equal(2, _server.RequestCount);
    }

    [Fact]
    public async Task Should_retry_a_body_cut_short()
    {
        _server.Intercept = FaultInjection.FirstRequests(1, FaultInjection.TruncateBody(_index.Length / 2));
        using var client = new UpstreamClient(Fast);

        var bytes = await client.GetBytesAsync(IndexUri, 10 << 20, CancellationToken.None);

        Assert.Equal(_index, bytes);
        Assert.Equal(2, _server.RequestCount);
    }

    [Fact]
    public async Task Should_retry_a_dropped_connection()
    {
        _server.Intercept = FaultInjection.FirstRequests(2, FaultInjection.Abort());
        using var client = new UpstreamClient(Fast);

        var bytes = await client.GetBytesAsync(IndexUri, 10 << 20, CancellationToken.None);

        Assert.Equal(_index, bytes);
        Assert.Equal(3, _server.RequestCount);
    }

    [Fact]
    public async Task Should_refuse_body_whose_declared_length_exceeds_the_limit_without_retrying()
    {
        using var client = new UpstreamClient(Fast);

        var error = await Assert.ThrowsAsync<UpstreamException>(() => client.GetBytesAsync(IndexUri, _index.Length - 1, CancellationToken.None));

        Assert.Equal(
            $"{IndexUri.AbsoluteUri}: body: expected at most {_index.Length - 1} bytes, got {_index.Length} bytes; refused (after 1 attempt)",
            error.Message);
        Assert.Equal(1, _server.RequestCount);
    }

    [Fact]
    public async Task Should_refuse_undeclared_body_once_it_grows_past_the_limit()
    {
        // Chunked encoding: no Content-Length, so only counting the bytes can catch it.
        _server.Intercept = async (context, _) =>
        {
            for (var i = 0; i < 64; i++)
            {
                await context.Response.Body.WriteAsync(new byte[1024]);
            }
        };
        using var client = new UpstreamClient(Fast);

        var error = await Assert.ThrowsAsync<UpstreamException>(() => client.GetBytesAsync(IndexUri, 10_000, CancellationToken.None));

        Assert.Equal($"{IndexUri.AbsoluteUri}: body: expected at most 10000 bytes, got more bytes; refused (after 1 attempt)", error.Message);
    }

    [Fact]
    public async Task Should_stream_the_rest_of_a_file_from_a_range_start()
    {
        using var client = new UpstreamClient(Fast);
        const int start = 1000;

        using var response = await client.GetStreamingAsync(IndexUri, start, CancellationToken.None);
        var tail = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes {start}-{_index.Length - 1}/{_index.Length}", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(_index[start..], tail);
    }

    [Fact]
    public async Task Should_stream_the_whole_file_without_range()
    {
        using var client = new UpstreamClient(Fast);

        using var response = await client.GetStreamingAsync(IndexUri, rangeStart: null, CancellationToken.None);
        await using var body = await response.Content.ReadAsStreamAsync();
        var copy = new MemoryStream();
        await body.CopyToAsync(copy);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(_index, copy.ToArray());
    }

    [Fact]
    public async Task Should_not_cut_a_streamed_body_when_the_attempt_timeout_elapses_later()
    {
        // Given upstream sending the headers and a first byte at once, and the rest only when the test says so: the
        // timeout bounds waiting for headers, not a long download
        var timeout = TimeSpan.FromSeconds(1);
        var rest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.Intercept = async (context, _) =>
        {
            context.Response.ContentLength = 4;
            await context.Response.Body.WriteAsync(new byte[] { 0 });
            await context.Response.Body.FlushAsync();
            await rest.Task;
            await context.Response.Body.WriteAsync(new byte[] { 1, 2, 3 });
        };
        using var client = new UpstreamClient(Fast with { Timeout = timeout });

        // When the headers are in, and the rest of the body comes only after the timeout has certainly elapsed
        using var response = await client.GetStreamingAsync(IndexUri, rangeStart: null, CancellationToken.None);
        await Task.Delay(timeout * 1.5);
        rest.SetResult();
        var body = await response.Content.ReadAsByteArrayAsync();

        // Then the whole body arrives over the one request

        Assert.Equal([0, 1, 2, 3], body);
        Assert.Equal(1, _server.RequestCount);
    }

    [Fact]
    public async Task Should_retry_streaming_request_until_headers_arrive()
    {
        _server.Intercept = FaultInjection.FirstRequests(2, FaultInjection.Status(503));
        using var client = new UpstreamClient(Fast);

        using var response = await client.GetStreamingAsync(IndexUri, 10, CancellationToken.None);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(3, _server.RequestCount);
    }

    [Fact]
    public async Task Should_fetch_package_whose_name_holds_a_plus_sign()
    {
        const string fileName = "libstdc++-10.3.1_git20211027-r0.apk";
        File.Copy(Fixtures.Path("packages", "curl-7.83.1-r1.apk"), Path.Combine(_root.FullName, "v3.16/main/x86_64", fileName));
        using var client = new UpstreamClient(Fast);

        var bytes = await client.GetBytesAsync(Layout.PackageUri("main", "x86_64", fileName), 1 << 20, CancellationToken.None);

        Assert.Equal(File.ReadAllBytes(Fixtures.Path("packages", "curl-7.83.1-r1.apk")), bytes);
        Assert.Equal(["/alpine/v3.16/main/x86_64/" + fileName], _server.RequestedPaths);
    }

    [Fact]
    public async Task Should_fetch_and_parse_latest_releases_served_by_upstream()
    {
        var yaml = Path.Combine(_root.FullName, "v3.16/releases/x86/latest-releases.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(yaml)!);
        File.Copy(Fixtures.Path("releases", "v3.13-releases-x86-latest-releases.yaml.excerpt"), yaml);
        using var client = new UpstreamClient(Fast);
        var uri = Layout.LatestReleasesUri("x86");

        var releases = LatestReleases.Parse(await client.GetBytesAsync(uri, 1 << 20, CancellationToken.None), uri.AbsoluteUri);

        Assert.Equal("3.13.5", releases.Version);
        Assert.Equal(["alpine-minirootfs-3.13.5-x86.tar.gz", "alpine-virt-3.13.5-x86.iso"], releases.Images.Select(i => i.File));
    }

    [Fact]
    public async Task Should_identify_itself_with_the_user_agent()
    {
        string? userAgent = null;
        _server.Intercept = (context, serve) =>
        {
            userAgent = context.Request.Headers.UserAgent;
            return serve();
        };
        using var client = new UpstreamClient(Fast);

        await client.GetBytesAsync(IndexUri, 10 << 20, CancellationToken.None);

        Assert.Equal(UpstreamClientOptions.DefaultUserAgent, userAgent);
        Assert.Matches(@"^AlpineMirror/\d+\.\d+\.\d+", userAgent);
    }

    [Fact]
    public async Task Should_stop_when_cancelled_instead_of_reporting_an_upstream_failure()
    {
        // Given upstream that never answers, and a run cancelled once its request has reached upstream
        // Not disposed: a request still in flight may reach upstream and cancel it again after the test.
        var cancellation = new CancellationTokenSource();
        _server.Intercept = FaultInjection.Stall(arrived: cancellation.Cancel);
        using var client = new UpstreamClient(Fast);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetBytesAsync(IndexUri, 10 << 20, cancellation.Token));

        Assert.Equal(1, _server.RequestCount);
    }

    [Theory]
    [InlineData(1, 4, "timeout")]
    [InlineData(1000, -1, "retries")]
    public void Should_reject_options_outside_what_the_pipeline_accepts(int timeoutMs, int retries, string field)
    {
        var options = Fast with { Timeout = TimeSpan.FromMilliseconds(timeoutMs), Retries = retries };

        var error = Assert.Throws<ConfigurationException>(() => new UpstreamClient(options));

        Assert.StartsWith($"{field}: expected ", error.Message);
    }

    [Fact]
    public async Task Should_send_once_when_retries_are_zero()
    {
        _server.Intercept = FaultInjection.Status(502);
        using var client = new UpstreamClient(Fast with { Retries = 0 });

        var error = await Assert.ThrowsAsync<UpstreamException>(() => client.GetBytesAsync(IndexUri, 10 << 20, CancellationToken.None));

        Assert.Equal(1, error.Attempts);
        Assert.Equal(1, _server.RequestCount);
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
