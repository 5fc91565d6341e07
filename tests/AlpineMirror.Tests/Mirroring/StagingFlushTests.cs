using AlpineMirror.Mirroring;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.Mirroring;

public sealed class StagingFlushTests
{
    private static MirrorProgress Arrived(long done, long total) => new(0, 10, done, total, TimeSpan.Zero);

    [Fact]
    public async Task Should_start_flushing_once_most_bytes_arrived_and_pass_every_report_on()
    {
        // Given a staging folder holding a freshly written file, and progress passed through the flush
        using var root = new TemporaryMirrorRoot();
        var staging = Directory.CreateDirectory(Path.Combine(root.Path, "staging")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(staging, "busybox-1.34.1-r5.apk"), new byte[64 * 1024]);
        var flush = new StagingFlush(staging);
        var shown = new List<MirrorProgress>();
        var progress = flush.Watch(new SynchronousProgress(shown.Add));

        // When less than the early share of the bytes arrived, then the share, then all
        progress.Report(Arrived(600, 1000));
        var before = flush.StartedEarly;
        progress.Report(Arrived(700, 1000));
        var at = flush.StartedEarly;
        progress.Report(Arrived(1000, 1000));

        // Then the early flush started at the share, every report reached the printer, and the last flush completes
        Assert.False(before);
        Assert.True(at);
        Assert.Equal([600L, 700L, 1000L], shown.Select(p => p.BytesDone));
        await flush.Finish().WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Should_not_flush_early_when_nothing_is_to_be_downloaded_and_leave_errors_to_the_sync_before_publication()
    {
        // Given a flush of a folder that does not exist, and a run with nothing to download
        using var root = new TemporaryMirrorRoot();
        var flush = new StagingFlush(Path.Combine(root.Path, "missing"));
        var progress = flush.Watch(new SynchronousProgress(_ => { }));

        // When progress reports nothing to download
        progress.Report(Arrived(0, 0));

        // Then no early flush started, and the last one completes without an error all the same
        Assert.False(flush.StartedEarly);
        var finished = flush.Finish();
        await finished.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(finished.IsCompletedSuccessfully);
    }

    // Progress<T> posts to the thread pool; the printer's sink is called in line, as this one is.
    private sealed class SynchronousProgress(Action<MirrorProgress> report) : IProgress<MirrorProgress>
    {
        public void Report(MirrorProgress value) => report(value);
    }
}
