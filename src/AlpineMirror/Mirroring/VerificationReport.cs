namespace AlpineMirror.Mirroring;

/// <summary>What <see cref="StagingVerifier"/> checked in a staging folder that passed.</summary>
/// <param name="Packages">Packages hashed against their index entries.</param>
/// <param name="ReleaseFiles">Release files checked: latest-releases.yaml, images, checksum files, netboot files.</param>
/// <param name="BytesHashed">Bytes read and hashed.</param>
/// <param name="RemovedPackages">Packages of the previous snapshot the plan drops.</param>
/// <param name="PreviousPackages">Packages of the previous snapshot (unchanged + updated + removed).</param>
/// <param name="Duration">Wall time of the verification.</param>
public sealed record VerificationReport(
    int Packages,
    int ReleaseFiles,
    long BytesHashed,
    int RemovedPackages,
    int PreviousPackages,
    TimeSpan Duration);
