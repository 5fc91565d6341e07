using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace AlpineMirror.Benchmarks;

/// <summary>
/// <c>delay-proxy --upstream-port PORT --delay-ms MS</c>: a TCP proxy on 127.0.0.1 that holds every chunk a client
/// sends (an HTTP request) and every new connection for MS milliseconds before passing it on, so that bench/update.sh
/// can measure a mirror run against a far-away upstream without <c>tc netem</c>. Answers flow back undelayed: each
/// request then costs one round trip of MS, as it would over a link with that latency. Prints <c>port=N</c> once it
/// listens and runs until killed.
/// </summary>
internal static class DelayProxyCommand
{
    public const string Name = "delay-proxy";

    private static readonly string[] Options = ["upstream-port", "delay-ms"];

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var options = new CommandArguments(Name, args, Options);
        var upstream = new IPEndPoint(IPAddress.Loopback, options.Int("upstream-port", 0));
        var delay = TimeSpan.FromMilliseconds(options.Int("delay-ms", 20));
        if (upstream.Port <= 0)
        {
            throw new CommandUsageException($"{Name}: --upstream-port is required");
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(backlog: 512);
        Console.WriteLine($"port={((IPEndPoint)listener.LocalEndpoint).Port}");
        while (true)
        {
            var client = await listener.AcceptTcpClientAsync();
            _ = RelayAsync(client, upstream, delay);
        }
    }

    private static async Task RelayAsync(TcpClient client, IPEndPoint upstream, TimeSpan delay)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                // The TCP handshake of a distant server takes a round trip too.
                await Task.Delay(delay);
                await server.ConnectAsync(upstream);
                client.NoDelay = server.NoDelay = true;
                var requests = PumpAsync(client.GetStream(), server.GetStream(), delay);
                var answers = PumpAsync(server.GetStream(), client.GetStream(), TimeSpan.Zero);
                await Task.WhenAny(requests, answers);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                // A side closed: the other is closed with it.
            }
        }
    }

    private static async Task PumpAsync(NetworkStream from, NetworkStream to, TimeSpan delay)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer)) > 0)
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay);
                }

                await to.WriteAsync(buffer.AsMemory(0, read));
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
