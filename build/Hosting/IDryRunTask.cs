using Cake.Core;

namespace AlpineMirror.Build.Hosting;

/// <summary>
/// A task that can compute its real answer without changing anything, so <c>--dryrun</c> runs it instead of only
/// naming it: the plan of an update, the snapshots a prune would delete.
/// </summary>
public interface IDryRunTask
{
    Task DryRunAsync(ICakeContext context);
}
