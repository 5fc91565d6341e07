using AlpineMirror.Storage;

namespace AlpineMirror.Tests.Support;

/// <summary>
/// What a refused or no-op run must leave unchanged in a mirror root: every entry with its size, time and link
/// target, except the bookkeeping every run does by design (its report under <c>.alpinemirror/reports/</c>, and the
/// lock file, which a locking run rewrites in place) and the time of the <c>.alpinemirror/</c> folder holding them.
/// </summary>
public static class RootState
{
    private const string State = MirrorRoot.StateDirectoryName;

    public static IReadOnlyList<string> Of(TemporaryMirrorRoot root) =>
        root.Listing().Where(line => !IsRunBookkeeping(line)).ToList();

    private static bool IsRunBookkeeping(string line) =>
        line.StartsWith($"{State} ", StringComparison.Ordinal)
        || line.StartsWith($"{State}/lock ", StringComparison.Ordinal)
        || line.StartsWith($"{State}/reports ", StringComparison.Ordinal)
        || line.StartsWith($"{State}/reports/", StringComparison.Ordinal);
}
