namespace AlpineMirror.Storage;

/// <summary>latest-stable and the branch alias (<paramref name="BranchLink"/>, e.g. v3.15) moved from one snapshot to another.</summary>
/// <param name="From">What latest-stable pointed to before, or null on a root that had nothing published.</param>
public sealed record SnapshotSwitch(string? From, string To, string BranchLink);
