namespace AlpineMirror.Storage;

/// <summary>Which published snapshots a prune keeps and which it deletes, oldest first.</summary>
public sealed record RetentionPlan(IReadOnlyList<string> Keep, IReadOnlyList<string> Delete);
