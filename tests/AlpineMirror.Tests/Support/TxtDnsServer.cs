using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AlpineMirror.Tests.Support;

/// <summary>
/// A tiny DNS server on 127.0.0.1 (UDP) that answers every question with one TXT record, standing in for ClamAV's
/// <c>current.cvd.clamav.net</c>; counts the queries.
/// </summary>
public sealed class TxtDnsServer : IAsyncDisposable
{
    private readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _queries;

    public TxtDnsServer(string text)
    {
        Text = text;
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>The TXT record's text; change it at any time.</summary>
    public string Text { get; set; }

    public int Port => ((IPEndPoint)_socket.Client.LocalEndPoint!).Port;

    public int Queries => Volatile.Read(ref _queries);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _stop.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var request = await _socket.ReceiveAsync(_stop.Token);
            Interlocked.Increment(ref _queries);
            await _socket.SendAsync(Answer(request.Buffer), request.RemoteEndPoint, _stop.Token);
        }
    }

    // RFC 1035 §4: the header with the query's id, the question copied, one TXT answer pointing back at its name.
    private byte[] Answer(byte[] query)
    {
        var questionEnd = 12;
        while (query[questionEnd] != 0)
        {
            questionEnd += query[questionEnd] + 1;
        }

        questionEnd += 5; // the root label, QTYPE, QCLASS
        var text = Encoding.ASCII.GetBytes(Text);
        var response = new List<byte>(query[..2]) { 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0 };
        response.AddRange(query[12..questionEnd]);
        response.AddRange([0xC0, 0x0C, 0, 16, 0, 1, 0, 0, 0, 60]);
        var length = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)(text.Length + 1));
        response.AddRange(length);
        response.Add((byte)text.Length);
        response.AddRange(text);
        return [.. response];
    }
}
