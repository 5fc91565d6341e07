using System.Diagnostics;
using System.Globalization;
using AlpineMirror.Storage;

namespace AlpineMirror.Benchmarks;

/// <summary>
/// <c>clone --source SNAPSHOT --target DIR [--target DIR ...]</c>: times <see cref="SnapshotCloner.CloneAsync"/>
/// into each target in turn, inside one process, so that bench/update.sh can set it beside <c>cp -al</c> without
/// counting the runtime's start-up. The first target pays the JIT, as the Snapshot step of a real run does.
/// Prints one line per target: <c>target=… seconds=… cpu_seconds=… directories=… linked=… copied=… symlinks=… fallback=…</c>.
/// </summary>
internal static class CloneCommand
{
    public const string Name = "clone";

    private static readonly string[] Options = ["source", "target"];

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var options = new CommandArguments(Name, args, Options);
        var source = options.Required("source");
        var targets = options.All("target");
        if (targets.Count == 0)
        {
            throw new CommandUsageException($"{Name}: --target is required");
        }

        foreach (var target in targets)
        {
            if (Directory.Exists(target))
            {
                // CloneAsync would resume into it and time almost nothing.
                throw new CommandUsageException($"{Name}: --target {target}: expected a new folder, it exists");
            }

            // CPU time beside wall time: on a busy machine the wall clock also counts other processes' turns.
            using var process = Process.GetCurrentProcess();
            var cpuBefore = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            var result = await SnapshotCloner.CloneAsync(source, target, CancellationToken.None);
            watch.Stop();
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpuBefore;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"target={target} seconds={watch.Elapsed.TotalSeconds:0.0000} cpu_seconds={cpu.TotalSeconds:0.0000} directories={result.DirectoriesCreated} linked={result.FilesLinked} copied={result.FilesCopied} symlinks={result.SymlinksCreated} fallback={result.CopyFallbackReason ?? "none"}"));
        }

        return 0;
    }
}
