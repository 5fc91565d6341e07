namespace AlpineMirror.Mirroring;

/// <summary>A snapshot of a running mirror: files settled (downloaded or kept) and bytes received so far.</summary>
/// <param name="FilesDone">Packages and release files settled, whether downloaded or found intact in staging.</param>
/// <param name="FilesTotal">Packages and release files the plan lists.</param>
/// <param name="BytesDone">Bytes received from upstream, retried attempts included.</param>
/// <param name="BytesTotal">Bytes expected to be downloaded; starts at the plan's estimate and follows what staging turns out to hold.</param>
/// <param name="Elapsed">Time since the run started.</param>
public sealed record MirrorProgress(int FilesDone, int FilesTotal, long BytesDone, long BytesTotal, TimeSpan Elapsed);
