using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace AlpineMirror.Tests.Support;

/// <summary>
/// Faults for <c>LocalUpstreamServer.Intercept</c>: each value is a middleware step that either answers the request
/// itself or serves it through the second argument. Combine them: <c>FirstRequests(2, Status(404))</c>.
/// </summary>
public static class FaultInjection
{
    /// <summary>Answers with <paramref name="statusCode"/> and no body.</summary>
    public static Func<HttpContext, Func<Task>, Task> Status(int statusCode) =>
        (context, _) =>
        {
            context.Response.StatusCode = statusCode;
            return Task.CompletedTask;
        };

    /// <summary>Drops the connection before any response.</summary>
    public static Func<HttpContext, Func<Task>, Task> Abort() =>
        (context, _) =>
        {
            context.Abort();
            return Task.CompletedTask;
        };

    /// <summary>
    /// Answers nothing until the client gives up (its timeout or cancellation aborts the request): a slow upstream with no
    /// clock to race. <paramref name="arrived"/> is told when each request has reached the server.
    /// </summary>
    public static Func<HttpContext, Func<Task>, Task> Stall(Action? arrived = null) =>
        async (context, _) =>
        {
            arrived?.Invoke();
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The client gave up, as the test wants.
            }
        };

    /// <summary>Waits <paramref name="delay"/> (or until the client gives up) before serving.</summary>
    public static Func<HttpContext, Func<Task>, Task> Delay(TimeSpan delay) =>
        async (context, serve) =>
        {
            try
            {
                await Task.Delay(delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await serve();
        };

    /// <summary>Sends the real headers (full Content-Length) but only the first <paramref name="keepBytes"/> body bytes, then closes the connection.</summary>
    public static Func<HttpContext, Func<Task>, Task> TruncateBody(long keepBytes) =>
        (context, serve) => ServeThrough(context, serve, original => new TruncatingStream(original, keepBytes));

    /// <summary>Serves the file with the byte at <paramref name="offset"/> inverted, size unchanged.</summary>
    public static Func<HttpContext, Func<Task>, Task> FlipByte(long offset) =>
        (context, serve) => ServeThrough(context, serve, original => new FlippingStream(original, offset));

    /// <summary>Applies <paramref name="fault"/> to the first <paramref name="count"/> requests of each path, then serves normally.</summary>
    public static Func<HttpContext, Func<Task>, Task> FirstRequests(int count, Func<HttpContext, Func<Task>, Task> fault)
    {
        var seen = new ConcurrentDictionary<string, int>();
        return (context, serve) =>
            seen.AddOrUpdate(context.Request.Path.Value ?? "", 1, (_, n) => n + 1) <= count
                ? fault(context, serve)
                : serve();
    }

    /// <summary>Applies <paramref name="fault"/> only to paths ending with <paramref name="pathSuffix"/>.</summary>
    public static Func<HttpContext, Func<Task>, Task> ForPath(string pathSuffix, Func<HttpContext, Func<Task>, Task> fault) =>
        (context, serve) =>
            context.Request.Path.Value?.EndsWith(pathSuffix, StringComparison.Ordinal) == true
                ? fault(context, serve)
                : serve();

    private static async Task ServeThrough(HttpContext context, Func<Task> serve, Func<Stream, Stream> wrap)
    {
        var original = context.Response.Body;
        context.Response.Body = wrap(original);
        try
        {
            await serve();
            await original.FlushAsync(context.RequestAborted);
        }
        finally
        {
            context.Response.Body = original;
        }
    }

    /// <summary>A write-only pass-through that lets <see cref="Transform"/> change or drop bytes by their offset in the body.</summary>
    private abstract class BodyStream(Stream inner) : Stream
    {
        private long _position;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) =>
            WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var copy = buffer.ToArray();
            var kept = Transform(copy, _position);
            _position += buffer.Length;
            if (kept > 0)
            {
                await inner.WriteAsync(copy.AsMemory(0, kept), cancellationToken);
                // Push the bytes out now: a truncated body must reach the client before the connection closes.
                await inner.FlushAsync(cancellationToken);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        /// <summary>Edits <paramref name="chunk"/> (which starts at body offset <paramref name="position"/>) and returns how many leading bytes to send.</summary>
        protected abstract int Transform(byte[] chunk, long position);
    }

    private sealed class TruncatingStream(Stream inner, long keepBytes) : BodyStream(inner)
    {
        protected override int Transform(byte[] chunk, long position) =>
            (int)Math.Clamp(keepBytes - position, 0, chunk.Length);
    }

    private sealed class FlippingStream(Stream inner, long offset) : BodyStream(inner)
    {
        protected override int Transform(byte[] chunk, long position)
        {
            if (offset >= position && offset < position + chunk.Length)
            {
                chunk[offset - position] ^= 0xFF;
            }

            return chunk.Length;
        }
    }
}
