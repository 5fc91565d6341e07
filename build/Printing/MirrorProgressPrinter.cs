using System.Globalization;
using AlpineMirror.Mirroring;
using Spectre.Console;

namespace AlpineMirror.Build.Printing;

/// <summary>
/// Shows a running mirror: progress bars (files, bytes, rate, ETA) on an interactive terminal, and a plain line every
/// few seconds where bars would garble the output (CI logs, output redirected to a file).
/// </summary>
internal static class MirrorProgressPrinter
{
    private const double Mebi = 1024 * 1024;

    /// <summary>How often a plain line is written.</summary>
    public static readonly TimeSpan LineInterval = TimeSpan.FromSeconds(5);

    /// <summary>Runs <paramref name="mirror"/> with a progress sink and shows what it reports on <paramref name="console"/>.</summary>
    public static Task<T> RunAsync<T>(IAnsiConsole console, Func<IProgress<MirrorProgress>, Task<T>> mirror)
    {
        ArgumentNullException.ThrowIfNull(console);
        // Without escape codes (NO_COLOR, see ConsoleColours) bars cannot redraw in place: plain lines instead.
        var capabilities = console.Profile.Capabilities;
        var bars = DrawsBars(capabilities.Interactive && capabilities.Ansi, Console.IsOutputRedirected, Environment.GetEnvironmentVariable("CI"));
        return RunAsync(console, bars, mirror);
    }

    /// <summary>As <see cref="RunAsync{T}(IAnsiConsole, Func{IProgress{MirrorProgress}, Task{T}})"/>, with bars or lines chosen by the caller.</summary>
    public static Task<T> RunAsync<T>(IAnsiConsole console, bool drawBars, Func<IProgress<MirrorProgress>, Task<T>> mirror)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(mirror);
        return drawBars ? RunWithBarsAsync(console, mirror) : RunWithLinesAsync(console, mirror);
    }

    /// <summary>
    /// Bars only on a terminal a person watches. Spectre already reports known CI systems as not interactive; the
    /// generic <c>CI</c> variable and a redirected stdout cover the rest.
    /// </summary>
    public static bool DrawsBars(bool interactive, bool outputRedirected, string? ciVariable) =>
        interactive && !outputRedirected && string.IsNullOrEmpty(ciVariable);

    /// <summary>E.g. <c>mirror: 812/10000 files, 15.2/210.0 MiB, 48.1 MiB/s, ETA 4s</c>.</summary>
    public static string Line(MirrorProgress progress, double bytesPerSecond) =>
        $"mirror: {Files(progress)}, {Bytes(progress)}, {Rate(bytesPerSecond)}, ETA {Eta(progress, bytesPerSecond)}";

    /// <summary>E.g. <c>mirror: done, 10000/10000 files, 210.0/210.0 MiB in 5.1s (41.2 MiB/s)</c>.</summary>
    public static string FinalLine(MirrorProgress progress) =>
        string.Create(CultureInfo.InvariantCulture,
            $"mirror: done, {Files(progress)}, {Bytes(progress)} in {progress.Elapsed.TotalSeconds:0.0}s ({Rate(progress.BytesDone / Math.Max(progress.Elapsed.TotalSeconds, 0.001))})");

    private static async Task<T> RunWithBarsAsync<T>(IAnsiConsole console, Func<IProgress<MirrorProgress>, Task<T>> mirror)
    {
        var bars = console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn());
        return await bars.StartAsync(async context =>
        {
            var files = context.AddTask("files", maxValue: 1);
            var bytes = context.AddTask("download", maxValue: 1);
            var rate = new TransferRate();
            var sink = new Sink(progress =>
            {
                var bytesPerSecond = rate.Add(progress);
                files.MaxValue = Math.Max(progress.FilesTotal, 1);
                files.Value = progress.FilesDone;
                files.Description = Markup.Escape($"files    {Files(progress)}");
                bytes.MaxValue = Math.Max(Math.Max(progress.BytesTotal, progress.BytesDone), 1);
                bytes.Value = progress.BytesDone;
                bytes.Description = Markup.Escape($"download {Bytes(progress)}, {Rate(bytesPerSecond)}, ETA {Eta(progress, bytesPerSecond)}");
            });
            var result = await mirror(sink);
            // Full bars at the end even when staging held more than the plan expected.
            files.Value = files.MaxValue;
            bytes.Value = bytes.MaxValue;
            return result;
        });
    }

    private static async Task<T> RunWithLinesAsync<T>(IAnsiConsole console, Func<IProgress<MirrorProgress>, Task<T>> mirror)
    {
        var rate = new TransferRate();
        MirrorProgress? last = null;
        var printedAt = TimeSpan.Zero;
        var gate = new object();
        var sink = new Sink(progress =>
        {
            lock (gate)
            {
                last = progress;
                var bytesPerSecond = rate.Add(progress);
                if (progress.Elapsed - printedAt >= LineInterval)
                {
                    printedAt = progress.Elapsed;
                    console.WriteLine(Line(progress, bytesPerSecond));
                }
            }
        });

        var result = await mirror(sink);
        lock (gate)
        {
            if (last is not null)
            {
                console.WriteLine(FinalLine(last));
            }
        }

        return result;
    }

    private static string Files(MirrorProgress progress) =>
        string.Create(CultureInfo.InvariantCulture, $"{progress.FilesDone}/{progress.FilesTotal} files");

    private static string Bytes(MirrorProgress progress) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{progress.BytesDone / Mebi:0.0}/{Math.Max(progress.BytesTotal, progress.BytesDone) / Mebi:0.0} MiB");

    private static string Rate(double bytesPerSecond) =>
        string.Create(CultureInfo.InvariantCulture, $"{bytesPerSecond / Mebi:0.0} MiB/s");

    // By bytes while a download remains, else by files (an incremental run spends its time hashing kept files).
    private static string Eta(MirrorProgress progress, double bytesPerSecond)
    {
        var elapsed = progress.Elapsed.TotalSeconds;
        var bytesLeft = progress.BytesTotal - progress.BytesDone;
        double? seconds = bytesLeft > 0
            ? bytesPerSecond > 0 ? bytesLeft / bytesPerSecond : null
            : progress.FilesDone > 0 && elapsed > 0 ? (progress.FilesTotal - progress.FilesDone) * elapsed / progress.FilesDone : null;
        if (seconds is not { } value)
        {
            return "?";
        }

        var eta = TimeSpan.FromSeconds(Math.Ceiling(value));
        return eta.TotalMinutes >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)eta.TotalMinutes}m{eta.Seconds:00}s")
            : string.Create(CultureInfo.InvariantCulture, $"{eta.Seconds}s");
    }

    /// <summary>Reports straight to a delegate, on the reporting thread (Progress&lt;T&gt; would post and reorder).</summary>
    private sealed class Sink(Action<MirrorProgress> report) : IProgress<MirrorProgress>
    {
        public void Report(MirrorProgress value) => report(value);
    }

    /// <summary>The download rate over the last few seconds, so a stall shows as one, not as the run's average.</summary>
    private sealed class TransferRate
    {
        private static readonly TimeSpan Window = TimeSpan.FromSeconds(5);
        private readonly Queue<(TimeSpan At, long Bytes)> _samples = new();

        public double Add(MirrorProgress progress)
        {
            lock (_samples)
            {
                _samples.Enqueue((progress.Elapsed, progress.BytesDone));
                while (_samples.Count > 2 && progress.Elapsed - _samples.Peek().At > Window)
                {
                    _samples.Dequeue();
                }

                var (at, bytes) = _samples.Peek();
                var seconds = (progress.Elapsed - at).TotalSeconds;
                return seconds > 0 ? (progress.BytesDone - bytes) / seconds : 0;
            }
        }
    }
}
