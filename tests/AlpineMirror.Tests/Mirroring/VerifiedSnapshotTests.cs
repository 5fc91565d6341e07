using AlpineMirror.Mirroring;
using AlpineMirror.Storage;

namespace AlpineMirror.Tests.Mirroring;

public sealed class VerifiedSnapshotTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("alpinemirror-verified-");
    private readonly MirrorRoot _root;

    public VerifiedSnapshotTests()
    {
        _root = new MirrorRoot(_directory.FullName);
        Directory.CreateDirectory(_root.SnapshotPath("3.15.4"));
        Directory.CreateDirectory(_root.SnapshotPath("3.15.5"));
    }

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Should_find_a_snapshot_an_update_published()
    {
        // Given a history in which an Update published 3.15.5
        await Record("3.15.4", RunAction.Update);
        await Record("3.15.5", RunAction.Update);

        // When 3.15.5 is looked up
        var snapshot = VerifiedSnapshot.Find(_root, "3.15.5");

        // Then it is found, with its folder
        Assert.NotNull(snapshot);
        Assert.Equal("3.15.5", snapshot.Name);
        Assert.Equal(_root.SnapshotPath("3.15.5"), snapshot.Path);
    }

    [Fact]
    public async Task Should_not_trust_a_snapshot_only_rolled_back_to_or_never_recorded()
    {
        // Given 3.15.4 only rolled back to, 3.15.5 made by hand, and nothing at all for an empty root
        await Record("3.15.4", RunAction.Rollback);

        Assert.Null(VerifiedSnapshot.Find(_root, "3.15.4"));
        Assert.Null(VerifiedSnapshot.Find(_root, "3.15.5"));
        Assert.Null(VerifiedSnapshot.Find(_root, null));
    }

    [Fact]
    public async Task Should_not_trust_a_recorded_snapshot_whose_folder_is_gone_or_a_symlink()
    {
        // Given Updates that published 3.15.3 (since pruned) and 3.15.5 (now a symlink to 3.15.4)
        await Record("3.15.3", RunAction.Update);
        await Record("3.15.5", RunAction.Update);
        Directory.Delete(_root.SnapshotPath("3.15.5"));
        Directory.CreateSymbolicLink(_root.SnapshotPath("3.15.5"), "3.15.4");

        Assert.Null(VerifiedSnapshot.Find(_root, "3.15.3"));
        Assert.Null(VerifiedSnapshot.Find(_root, "3.15.5"));
    }

    [Fact]
    public async Task Should_not_trust_anything_when_the_history_cannot_be_read()
    {
        // Given a recorded Update followed by a line that is not a run record
        await Record("3.15.5", RunAction.Update);
        File.AppendAllText(_root.HistoryFile, "{\"snapshot\": 3\n");

        Assert.Null(VerifiedSnapshot.Find(_root, "3.15.5"));
    }

    private Task Record(string snapshot, RunAction action) =>
        new RunHistory(_root).AppendAsync(new RunRecord(snapshot, null, DateTimeOffset.UtcNow, 0, 0, 0, 0, action), CancellationToken.None);
}
