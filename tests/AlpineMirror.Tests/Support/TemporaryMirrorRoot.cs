using System.Diagnostics;

namespace AlpineMirror.Tests.Support;

/// <summary>A mirror root [ALPINE] in a temporary folder, with a way to fake an already published snapshot.</summary>
public sealed class TemporaryMirrorRoot : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("mirror-root-").FullName;

    /// <summary>Publishes a copy of an upstream branch folder as snapshot <paramref name="name"/> and points latest-stable at it.</summary>
    public string PublishCopy(string branchDirectory, string name)
    {
        var snapshot = System.IO.Path.Combine(Path, name);
        Run("cp", "-a", branchDirectory, snapshot);
        var link = System.IO.Path.Combine(Path, "latest-stable");
        File.Delete(link);
        File.CreateSymbolicLink(link, name);
        return snapshot;
    }

    /// <summary>Every entry below the root with its size and modification time, to prove a run wrote nothing.</summary>
    public IReadOnlyList<string> Listing() =>
        new DirectoryInfo(Path)
            .EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(i => $"{System.IO.Path.GetRelativePath(Path, i.FullName)} {(i as FileInfo)?.Length} {i.LastWriteTimeUtc:O} {i.LinkTarget}")
            .Order(StringComparer.Ordinal)
            .ToList();

    public void Dispose() => Directory.Delete(Path, recursive: true);

    private static void Run(string command, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} failed: {error}");
        }
    }
}
