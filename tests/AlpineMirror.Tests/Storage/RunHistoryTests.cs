using AlpineMirror.Storage;
using AlpineMirror.Tests.Apk;

namespace AlpineMirror.Tests.Storage;

public sealed class RunHistoryTests : IDisposable
{
    private readonly TemporaryRoot _root = new();

    public void Dispose() => _root.Dispose();

    private static readonly RunRecord Published =
        new("3.15.5", "3.15.4", new DateTimeOffset(2022, 7, 19, 8, 30, 0, TimeSpan.Zero), Added: 42, Updated: 310, Removed: 7, DownloadedBytes: 157_286_400, RunAction.Update);

    private static readonly RunRecord RolledBack =
        new("3.15.4", "3.15.5", new DateTimeOffset(2022, 7, 19, 9, 0, 0, TimeSpan.Zero), 0, 0, 0, 0, RunAction.Rollback);

    [Fact]
    public async Task Should_read_back_the_runs_it_appended_in_order()
    {
        // Given a root without history
        var history = new RunHistory(_root.Root);
        Assert.Empty(history.ReadAll());

        // When two runs are appended
        await history.AppendAsync(Published, CancellationToken.None);
        await history.AppendAsync(RolledBack, CancellationToken.None);

        // Then they read back equal and in order, one JSON object per line with lower-case names and actions
        Assert.Equal([Published, RolledBack], history.ReadAll());
        var lines = await File.ReadAllLinesAsync(_root.Root.HistoryFile);
        Assert.Equal(2, lines.Length);
        Assert.Equal(
            """{"snapshot":"3.15.4","previous":"3.15.5","time":"2022-07-19T09:00:00+00:00","added":0,"updated":0,"removed":0,"downloadedBytes":0,"action":"rollback"}""",
            lines[1]);
    }

    [Fact]
    public async Task Should_record_a_first_publication_without_a_previous_snapshot()
    {
        var history = new RunHistory(_root.Root);
        var first = Published with { Previous = null };

        await history.AppendAsync(first, CancellationToken.None);

        Assert.Equal([first], history.ReadAll());
    }

    [Fact]
    public async Task Should_append_by_replacing_the_file_never_by_writing_into_it()
    {
        // Given a history with one run, and a second name for its inode (as a backup by hard link would hold)
        var history = new RunHistory(_root.Root);
        await history.AppendAsync(Published, CancellationToken.None);
        var backup = _root.Root.HistoryFile + ".backup";
        ExternalCommand.Require("ln", [_root.Root.HistoryFile, backup]);

        // When another run is appended
        await history.AppendAsync(RolledBack, CancellationToken.None);

        // Then the old inode still holds exactly the old history and no temporary is left
        Assert.Single(await File.ReadAllLinesAsync(backup));
        Assert.Equal(2, (await File.ReadAllLinesAsync(_root.Root.HistoryFile)).Length);
        Assert.DoesNotContain(Directory.EnumerateFiles(_root.Root.StateDirectory, "*", new EnumerationOptions { AttributesToSkip = 0 }), AtomicFile.IsTemporary);
    }

    [Fact]
    public async Task Should_start_a_new_line_when_the_history_does_not_end_with_one()
    {
        // Given a history whose last line lost its newline (an editor, a hand copy)
        var history = new RunHistory(_root.Root);
        await history.AppendAsync(Published, CancellationToken.None);
        await File.WriteAllTextAsync(_root.Root.HistoryFile, (await File.ReadAllTextAsync(_root.Root.HistoryFile)).TrimEnd('\n'));

        // When another run is appended
        await history.AppendAsync(RolledBack, CancellationToken.None);

        // Then each run is on a line of its own
        Assert.Equal([Published, RolledBack], history.ReadAll());
        Assert.Equal(2, (await File.ReadAllLinesAsync(_root.Root.HistoryFile)).Length);
    }

    [Theory]
    [InlineData("""{"snapshot":"3.15.5","previous":null,"time":"2022-07-19T08:30:00Z","added":1,"updated":2,"removed":3,"downloadedBytes":4,"action":"upgrade"}""")]
    [InlineData("""{"snapshot":"3.15.5","time":"2022-07-19T08:30:00Z","added":1,"updated":2,"removed":3,"downloadedBytes":4,"action":"update"}""")]
    [InlineData("""{"snapshot":"3.15.5","previous":null,"time":"2022-07-19T08:30:00Z","added":1,"updated":2,"removed":3,"downloadedBytes":4,"action":"upd""")]
    [InlineData("""{"snapshot":"3.15.5","previous":null,"time":"2022-07-19T08:30:00Z","added":1,"updated":2,"removed":3,"downloadedBytes":4,"action":0}""")]
    [InlineData("""{"snapshot":null,"previous":null,"time":"2022-07-19T08:30:00Z","added":1,"updated":2,"removed":3,"downloadedBytes":4,"action":"update"}""")]
    [InlineData("null")]
    public async Task Should_skip_a_line_that_is_not_a_run_record_and_name_it_in_a_warning(string damaged)
    {
        // Given a history whose second line was damaged by hand, and a run recorded after it
        var history = new RunHistory(_root.Root);
        await history.AppendAsync(Published, CancellationToken.None);
        await File.AppendAllTextAsync(_root.Root.HistoryFile, damaged + "\n");
        await history.AppendAsync(RolledBack, CancellationToken.None);

        // When it is read
        var warnings = new List<string>();
        var records = history.ReadAll(warnings.Add);

        // Then the readable runs are all there, and the warning names the file and the line
        Assert.Equal([Published, RolledBack], records);
        Assert.StartsWith($"{_root.Root.HistoryFile}: line 2: expected a run record", Assert.Single(warnings));
    }
}
