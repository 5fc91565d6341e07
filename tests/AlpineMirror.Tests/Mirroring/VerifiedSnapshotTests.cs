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
    public void Should_find_a_snapshot_this_tool_published()
    {
        // Given a publication record for the folder 3.15.5
        Record("3.15.5");

        // When 3.15.5 is looked up
        var snapshot = VerifiedSnapshot.Find(_root, "3.15.5");

        // Then it is found, with its folder
        Assert.NotNull(snapshot);
        Assert.Equal("3.15.5", snapshot.Name);
        Assert.Equal(_root.SnapshotPath("3.15.5"), snapshot.Path);
    }

    [Fact]
    public async Task Should_not_trust_a_snapshot_the_history_names_without_a_publication_record()
    {
        // Given 3.15.4 recorded as published by an Update in the history only, 3.15.5 made by hand, and no name at all
        await new RunHistory(_root).AppendAsync(
            new RunRecord("3.15.4", null, DateTimeOffset.UtcNow, 0, 0, 0, 0, RunAction.Update), CancellationToken.None);

        Assert.Null(VerifiedSnapshot.Find(_root, "3.15.4"));
        Assert.Null(VerifiedSnapshot.Find(_root, "3.15.5"));
        Assert.Null(VerifiedSnapshot.Find(_root, null));
    }

    [Fact]
    public void Should_not_trust_a_recorded_snapshot_whose_folder_is_gone_replaced_or_a_symlink()
    {
        // Given records for 3.15.3 (since deleted), 3.15.4 (since replaced by a new folder) and 3.15.5 (now a symlink)
        Directory.CreateDirectory(_root.SnapshotPath("3.15.3"));
        Record("3.15.3");
        Record("3.15.4");
        Record("3.15.5");
        Directory.Delete(_root.SnapshotPath("3.15.3"));
        Directory.Delete(_root.SnapshotPath("3.15.4"));
        Directory.CreateDirectory(_root.SnapshotPath("3.15.4"));
        Directory.Delete(_root.SnapshotPath("3.15.5"));
        Directory.CreateSymbolicLink(_root.SnapshotPath("3.15.5"), "3.15.4");

        Assert.Null(VerifiedSnapshot.Find(_root, "3.15.3"));
        Assert.Null(VerifiedSnapshot.Find(_root, "3.15.4"));
        Assert.Null(VerifiedSnapshot.Find(_root, "3.15.5"));
    }

    [Fact]
    public void Should_not_trust_anything_when_the_publication_record_cannot_be_read()
    {
        // Given a record of 3.15.5 cut short
        Record("3.15.5");
        var file = _root.PublicationFile("3.15.5");
        File.WriteAllText(file, File.ReadAllText(file)[..20]);

        Assert.Null(VerifiedSnapshot.Find(_root, "3.15.5"));
    }

    private void Record(string snapshot) =>
        SnapshotPublication.Record(_root, snapshot, _root.SnapshotPath(snapshot), new Dictionary<string, string>());
}
