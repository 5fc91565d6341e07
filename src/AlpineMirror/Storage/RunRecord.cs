namespace AlpineMirror.Storage;

/// <summary>One line of <c>.alpinemirror/history.jsonl</c>: a published or rolled back snapshot.</summary>
/// <param name="Snapshot">The snapshot latest-stable points to after the run.</param>
/// <param name="Previous">The snapshot it pointed to before, or null for the first publication.</param>
public sealed record RunRecord(
    string Snapshot,
    string? Previous,
    DateTimeOffset Time,
    int Added,
    int Updated,
    int Removed,
    long DownloadedBytes,
    RunAction Action);
