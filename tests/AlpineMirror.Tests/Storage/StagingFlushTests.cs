using AlpineMirror.Storage;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.Storage;

public sealed class StagingFlushTests
{
    [Fact]
    public async Task Should_complete_for_a_staging_folder_and_leave_a_missing_one_to_the_sync_before_publication()
    {
        // Given a staging folder holding a freshly written file, and a path where none exists
        using var root = new TemporaryMirrorRoot();
        var staging = Directory.CreateDirectory(Path.Combine(root.Path, "staging")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(staging, "busybox-1.34.1-r5.apk"), new byte[64 * 1024]);
        var missing = Path.Combine(root.Path, "missing");

        // When a head start is begun for each
        var flushed = StagingFlush.Begin(staging);
        var notFlushed = StagingFlush.Begin(missing);

        // Then both complete without an error: failures are reported by the syncfs Relink runs before publishing
        await flushed.WaitAsync(TimeSpan.FromSeconds(30));
        await notFlushed.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(flushed.IsCompletedSuccessfully);
        Assert.True(notFlushed.IsCompletedSuccessfully);
    }
}
