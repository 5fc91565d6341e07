namespace AlpineMirror.Mirroring;

/// <summary>What a mirror run did to staging.</summary>
/// <param name="Downloaded">Files fetched from upstream (packages, release images and their checksum and signature files).</param>
/// <param name="Reused">Files staging already held and that verified against the plan, or were taken as unchanged.</param>
/// <param name="Removed">Entries removed from the repository and release folders because the new indexes and release list no longer name them.</param>
/// <param name="Resumed">Downloads continued with an HTTP Range request instead of starting over.</param>
/// <param name="Retried">Attempts repeated after a cut-off body, a stalled transfer or wrong bytes (the client's own header-level retries not counted).</param>
/// <param name="BytesDownloaded">Body bytes received, retried attempts included.</param>
/// <param name="Duration">Wall time of the run.</param>
/// <param name="UnchangedFiles">
/// Reused packages and images kept on a size check alone: still the very files of the verified previous snapshot, listed
/// unchanged (<see cref="VerifyMode.Changed"/>).
/// </param>
/// <param name="BytesChecked">Bytes of files staging already held that were read, hashed and kept.</param>
public sealed record MirrorResult(
    int Downloaded,
    int Reused,
    int Removed,
    int Resumed,
    int Retried,
    long BytesDownloaded,
    TimeSpan Duration,
    int UnchangedFiles,
    long BytesChecked)
{
    /// <summary>
    /// The packages and images this run downloaded and verified as they streamed, as they stood once in place: Verify
    /// in the same process need not hash them again while they are still those very files.
    /// </summary>
    public MirroredFiles Downloads { get; init; } = MirroredFiles.None;
}
