using System.Diagnostics;
using System.Runtime.InteropServices;
using AlpineMirror.Apk;
using AlpineMirror.Tests.Apk;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.InHouse;

/// <summary>
/// The built host (<c>dotnet AlpineMirror.Build.dll --target=InHouse</c>) killed with SIGKILL while it publishes, at
/// several points: each arch's index must be the old one or the new one, never a mix, and name only files that are there.
/// </summary>
[Trait(ChildHostProcess.Trait, ChildHostProcess.TraitValue)]
public sealed class InHouseInterruptionTests : IDisposable
{
    private const int SIGKILL = 9;

    private const int Packages = 24;
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(90);

    private readonly InHouseTestBed _bed = new();
    private readonly string _saved = Directory.CreateTempSubdirectory("inhouse-saved-root-").FullName;

    public void Dispose()
    {
        Directory.Delete(_saved, recursive: true);
        _bed.Dispose();
    }

    private string[] Args =>
    [
        "--target=InHouse", $"--root={_bed.Root.Path}", "--arch=x86_64,aarch64", $"--inhouse-key={_bed.PrivateKey}",
        $"--inhouse-incoming={_bed.Incoming}", $"--inhouse-keys={_bed.BuilderKeys}", "--inhouse-keep=1",
    ];

    // Random content does not compress, so every package is large enough for publication to take a while.
    private void DropGeneration(string version)
    {
        foreach (var file in Directory.GetFiles(_bed.Incoming))
        {
            File.Delete(file);
        }

        for (var i = 0; i < Packages; i++)
        {
            _bed.Drop($"tool{i:00}", version, i % 6 == 0 ? "noarch" : "x86_64", content: Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(96 * 1024)));
        }
    }

    private Dictionary<string, HashSet<string>> ListedByArch() =>
        InHouseTestBed.Archs.ToDictionary(arch => arch, arch => _bed.Listed(arch).ToHashSet(StringComparer.Ordinal));

    private int NewFiles() =>
        Directory.Exists(_bed.Repository.ArchPath("x86_64"))
            ? Directory.GetFiles(_bed.Repository.ArchPath("x86_64"), "*-2.0-r0.apk").Length
            : 0;

    private void Restore()
    {
        Directory.Delete(_bed.Root.Path, recursive: true);
        ExternalCommand.Require("cp", ["-a", _saved + "/.", _bed.Root.Path + "/"]);
    }

    private void AssertOldOrNew(Dictionary<string, HashSet<string>> old, Dictionary<string, HashSet<string>> @new, string when)
    {
        foreach (var arch in InHouseTestBed.Archs)
        {
            var index = _bed.ReadIndex(arch);
            var listed = index.Entries.Select(e => e.FileName).ToHashSet(StringComparer.Ordinal);
            Assert.True(listed.SetEquals(old[arch]) || listed.SetEquals(@new[arch]), $"{when}: {arch} lists a mix: {string.Join(", ", listed.Order())}");
            foreach (var entry in index.Entries)
            {
                var path = Path.Combine(_bed.Repository.ArchPath(arch), entry.FileName);
                Assert.True(File.Exists(path), $"{when}: {arch} lists {entry.FileName}, which is not there");
                Assert.Equal(entry.Checksum, ApkPackageReader.ReadIndexEntry(path).Checksum);
            }
        }
    }

    [Fact]
    public async Task Should_leave_each_index_old_or_new_and_naming_only_present_files_when_killed_during_publication()
    {
        // Given a published first generation, saved, and a second generation of every package dropped (keep=1: all of it changes)
        DropGeneration("1.0-r0");
        Assert.Equal(0, (await ChildHostProcess.RunAsync(Args, RunTimeout)).ExitCode);
        var old = ListedByArch();
        ExternalCommand.Require("cp", ["-a", _bed.Root.Path + "/.", _saved + "/"]);
        DropGeneration("2.0-r0");
        var @new = InHouseTestBed.Archs.ToDictionary(arch => arch, arch => old[arch].Select(f => f.Replace("1.0-r0", "2.0-r0")).ToHashSet(StringComparer.Ordinal));

        // When the run is killed once 1, then 12 new package files were placed, and once the x86_64 index was replaced
        var midway = 0;
        foreach (var killPoint in new Func<bool>[]
                 {
                     () => NewFiles() >= 1,
                     () => NewFiles() >= 12,
                     () => File.Exists(_bed.Repository.IndexPath("x86_64")) && _bed.Listed("x86_64").Any(f => f.Contains("2.0-r0")),
                 })
        {
            Restore();
            using (var child = ChildHostProcess.Start(Args))
            {
                var clock = Stopwatch.StartNew();
                while (!child.HasExited && !SafelyTrue(killPoint))
                {
                    Assert.True(clock.Elapsed < RunTimeout, $"no kill point within {RunTimeout}: {child.Output}");
                    await Task.Delay(1);
                }

                // kill(2) at once: Process.Kill walks the process tree first, by which time publication may be over.
                Kill(child.Id, SIGKILL);
                child.Kill();
            }

            // Then each index is the old one or the new one, and every file it names is there and intact
            AssertOldOrNew(old, @new, $"kill point {midway}");
            if (NewFiles() > 0 && _bed.Listed("x86_64").All(f => f.Contains("1.0-r0")))
            {
                midway++;
            }
        }

        // And at least one kill caught new files placed under an index still the old one
        Assert.True(midway > 0, "no kill landed between placing the new packages and switching the index");

        // And a run to the end publishes the new generation and leaves no old file, temporary or staged copy behind
        Assert.Equal(0, (await ChildHostProcess.RunAsync(Args, RunTimeout)).ExitCode);
        Assert.Equal(@new["x86_64"], ListedByArch()["x86_64"]);
        Assert.Equal(@new["aarch64"], ListedByArch()["aarch64"]);
        foreach (var arch in InHouseTestBed.Archs)
        {
            Assert.Equal(@new[arch].Append("APKINDEX.tar.gz").Order(StringComparer.Ordinal),
                Directory.GetFiles(_bed.Repository.ArchPath(arch), "*", new EnumerationOptions { AttributesToSkip = 0 }).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }

        Assert.Empty(Directory.GetFileSystemEntries(_bed.Repository.StagingDirectory));
    }

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    // The index can be caught between its temporary and its rename by the polling reader; that is not yet a kill point.
    private static bool SafelyTrue(Func<bool> condition)
    {
        try
        {
            return condition();
        }
        catch (Exception e) when (e is IOException or IntegrityException)
        {
            return false;
        }
    }
}
