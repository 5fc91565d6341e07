using System.Diagnostics;
using System.Text.Json;
using AlpineMirror.Storage;
using AlpineMirror.Tests.Apk;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.Storage;

[Trait(ChildHostProcess.Trait, ChildHostProcess.TraitValue)]
public sealed class RunLockTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("alpinemirror-lock-");
    private readonly MirrorRoot _root;

    public RunLockTests()
    {
        _root = new MirrorRoot(_directory.FullName);
        Directory.CreateDirectory(_root.StateDirectory);
    }

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Should_refuse_while_another_process_holds_the_lock_and_name_its_pid_host_and_start()
    {
        // Given another process that holds the lock with flock(1) and records itself as a run would
        using var holder = HoldingProcess.Start(_root.LockFile,
            """printf '{"pid":%d,"host":"builder-7","started":"2025-11-26T12:47:03Z"}' $$ > "$0"; echo ready; exec sleep 60""");

        // When this run tries to take it
        var error = Assert.Throws<LockHeldException>(() => RunLock.Acquire(_root));

        // Then it is refused with the holder named on one line, with what to do
        Assert.Equal(new RunLockHolder(holder.RecordedPid, "builder-7", new DateTimeOffset(2025, 11, 26, 12, 47, 3, TimeSpan.Zero)), error.Holder);
        Assert.Equal(_root.LockFile, error.Source);
        Assert.Contains($"pid {holder.RecordedPid} on host builder-7 since 2025-11-26T12:47:03Z", error.Message);
        Assert.Contains("wait for it to finish", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task Should_refuse_a_run_whose_environment_disables_dotnet_file_locking_while_another_process_holds_flock()
    {
        // Given another process that holds flock(2) on the lock, as an NFS-minded operator's shell script might
        using var holder = HoldingProcess.Start(_root.LockFile,
            """printf '{"pid":%d,"host":"builder-7","started":"2025-11-26T12:47:03Z"}' $$ > "$0"; echo ready; exec sleep 60""");

        // When the host runs Prune with .NET's own file locking switched off by the environment
        var run = await ChildHostProcess.RunAsync(
            ["--target=Prune", $"--root={_directory.FullName}", "--keep=1"],
            TimeSpan.FromSeconds(60),
            new Dictionary<string, string?> { ["DOTNET_SYSTEM_IO_DISABLEFILELOCKING"] = "1" });

        // Then it is still refused (exit 5), naming the holder, and the holder's record is left as it was
        Assert.True(run.ExitCode == 5, run.ToString());
        Assert.Contains($"pid {holder.RecordedPid} on host builder-7", run.SingleErrorLine());
        Assert.Contains("builder-7", ReadPastTheLock(_root.LockFile));
    }

    [Fact]
    public void Should_lock_each_feed_on_its_own_so_one_feed_never_waits_behind_another()
    {
        // Given an Alpine run that holds the root's lock
        using var alpine = RunLock.Acquire(_root);

        // When an antivirus run takes its feed's lock, and a second antivirus run tries to
        using var antivirus = RunLock.AcquireFeed(_root, "clamav");
        var error = Assert.Throws<LockHeldException>(() => RunLock.AcquireFeed(_root, "clamav"));

        // Then the first gets it beside Alpine's, in its own file, and the second is refused naming that file
        Assert.Equal(Path.Combine(_root.StateDirectory, "clamav.lock"), error.Source);
        Assert.True(File.Exists(_root.FeedLockFile("clamav")));
        Assert.Throws<ArgumentException>(() => _root.FeedLockFile("../etc"));
    }

    [Fact]
    public void Should_take_over_the_lock_of_a_killed_run_and_say_whose_it_was()
    {
        // Given a run that held the lock and was killed, leaving its record behind
        int pid;
        using (var holder = HoldingProcess.Start(_root.LockFile,
            """printf '{"pid":%d,"host":"builder-7","started":"2025-11-26T12:47:03Z"}' $$ > "$0"; echo ready; exec sleep 60"""))
        {
            pid = holder.RecordedPid;
            Assert.Throws<LockHeldException>(() => RunLock.Acquire(_root));
        }

        // When this run takes the lock
        using var runLock = RunLock.Acquire(_root);

        // Then it gets it, reports the dead run for a warning, and the file now names this run
        Assert.Equal($"pid {pid} on host builder-7 since 2025-11-26T12:47:03Z", runLock.TakenOverFrom);
        var record = JsonDocument.Parse(ReadPastTheLock(_root.LockFile)).RootElement;
        Assert.Equal(Environment.ProcessId, record.GetProperty("pid").GetInt32());
        Assert.Equal(Environment.MachineName, record.GetProperty("host").GetString());
        Assert.InRange(record.GetProperty("started").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow);
    }

    [Fact]
    public void Should_refuse_a_holder_that_has_not_recorded_itself_and_say_how_to_find_it()
    {
        using var holder = HoldingProcess.Start(_root.LockFile, "echo ready; exec sleep 60");

        var error = Assert.Throws<LockHeldException>(() => RunLock.Acquire(_root));

        Assert.Null(error.Holder);
        Assert.Contains($"fuser -v {_root.LockFile}", error.Message);
    }

    [Fact]
    public void Should_hold_the_lock_against_other_processes_until_disposed()
    {
        // Given this run holds the lock
        var runLock = RunLock.Acquire(_root);

        // Then flock(1) in another process cannot take it until the run releases it
        Assert.Equal(1, ExternalCommand.Run("flock", ["--nonblock", "--exclusive", _root.LockFile, "true"]).ExitCode);
        runLock.Dispose();
        Assert.Equal(0, ExternalCommand.Run("flock", ["--nonblock", "--exclusive", _root.LockFile, "true"]).ExitCode);
        Assert.Equal(0, new FileInfo(_root.LockFile).Length);
    }

    [Fact]
    public void Should_refuse_a_second_run_in_the_same_process_and_take_it_cleanly_after_release()
    {
        // Given this process holds the lock
        using (var first = RunLock.Acquire(_root))
        {
            Assert.Null(first.TakenOverFrom);

            // When it asks again, it is refused and named
            var error = Assert.Throws<LockHeldException>(() => RunLock.Acquire(_root));
            Assert.Equal(first.Holder, error.Holder);
        }

        // Then after the release the next run takes it without a stale-lock warning
        using var second = RunLock.Acquire(_root);
        Assert.Null(second.TakenOverFrom);
    }

    [Fact]
    public void Should_take_over_a_lock_file_with_a_torn_record()
    {
        File.WriteAllText(_root.LockFile, """{"pid":12""");

        using var runLock = RunLock.Acquire(_root);

        Assert.Equal("""an unreadable record '{"pid":12'""", runLock.TakenOverFrom);
    }

    [Fact]
    public void Should_refuse_a_lock_file_that_is_a_symlink_and_leave_the_file_it_points_to_as_it_was()
    {
        // Given a lock file replaced by a symlink to a file outside the root (a run as root would otherwise truncate it)
        var victim = Path.Combine(_directory.FullName, "shadow");
        File.WriteAllText(victim, "root:$6$precious:19000:0:99999:7:::\n");
        File.CreateSymbolicLink(_root.LockFile, victim);

        // When a run takes the lock
        var error = Assert.Throws<StorageException>(() => RunLock.Acquire(_root));

        // Then it is refused naming the lock file, and the file the symlink points to is neither emptied nor written
        Assert.Equal(_root.LockFile, error.Source);
        Assert.Contains("symlink", error.Message);
        Assert.Equal("root:$6$precious:19000:0:99999:7:::\n", File.ReadAllText(victim));
    }

    [Fact]
    public void Should_create_the_state_folder_of_a_new_root()
    {
        var root = new MirrorRoot(Path.Combine(_directory.FullName, "new-root"));

        using var runLock = RunLock.Acquire(root);

        Assert.True(File.Exists(root.LockFile));
    }

    // .NET takes a shared flock on every file it opens, which the holder's exclusive lock refuses; cat(1) takes none.
    private static string ReadPastTheLock(string lockFile) => ExternalCommand.Require("cat", [lockFile]).OutputText;

    /// <summary>
    /// flock(1) holding an exclusive lock on a file while it runs a shell script (the file is $0). With --close only
    /// flock itself holds the lock, so killing it releases the lock at once.
    /// </summary>
    private sealed class HoldingProcess : IDisposable
    {
        private readonly Process _process;

        private HoldingProcess(Process process) => _process = process;

        /// <summary>The pid the script wrote into the lock file ($$ of its shell), or 0.</summary>
        public int RecordedPid { get; private set; }

        public static HoldingProcess Start(string lockFile, string script)
        {
            var start = new ProcessStartInfo("flock") { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in new[] { "--exclusive", "--close", lockFile, "sh", "-c", script, lockFile })
            {
                start.ArgumentList.Add(argument);
            }

            var holder = new HoldingProcess(Process.Start(start)!);
            var ready = holder._process.StandardOutput.ReadLineAsync();
            Assert.True(ready.Wait(TimeSpan.FromSeconds(30)) && ready.Result == "ready", "flock did not signal that it holds the lock");
            var record = ReadPastTheLock(lockFile);
            holder.RecordedPid = record.Length == 0 ? 0 : JsonDocument.Parse(record).RootElement.GetProperty("pid").GetInt32();
            return holder;
        }

        public void Dispose()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            _process.Dispose();
        }
    }
}
