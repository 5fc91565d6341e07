namespace AlpineMirror.Mirroring;

/// <summary>What <see cref="StagingVerifier"/> checked in a staging folder that passed.</summary>
/// <param name="Packages">Packages checked against their index entries.</param>
/// <param name="ReleaseFiles">Release files checked: latest-releases.yaml, images, checksum files, netboot files.</param>
/// <param name="BytesHashed">Bytes read and hashed.</param>
/// <param name="RemovedPackages">Packages of the previous snapshot the plan drops.</param>
/// <param name="PreviousPackages">Packages of the previous snapshot (unchanged + updated + removed).</param>
/// <param name="Duration">Wall time of the verification.</param>
/// <param name="UnchangedFiles">
/// Packages and images checked for presence and size only: still the very files of the verified previous snapshot,
/// listed unchanged (<see cref="VerifyMode.Changed"/>).
/// </param>
/// <param name="Mode">
/// The mode that ran: <see cref="VerifyMode.Full"/> also when Changed was asked for but the previous snapshot is not
/// one AlpineMirror verified.
/// </param>
public sealed record VerificationReport(
    int Packages,
    int ReleaseFiles,
    long BytesHashed,
    int RemovedPackages,
    int PreviousPackages,
    TimeSpan Duration,
    int UnchangedFiles,
    VerifyMode Mode)
{
    /// <summary>
    /// Packages and images checked for presence, size and identity only: this run's Mirror step downloaded and verified
    /// them, and each is still that very file (<see cref="MirroredFiles"/>).
    /// </summary>
    public int MirroredFiles { get; init; }
}
