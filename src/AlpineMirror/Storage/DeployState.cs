using System.Text.Json;

namespace AlpineMirror.Storage;

/// <summary>
/// Which published snapshot the boot infrastructure was last brought to: <c>.alpinemirror/deployed.json</c>, written once
/// a deploy completed, or once the deploy policy found nothing to deploy for it.
/// </summary>
/// <remarks>
/// A deploy that failed, or a run that stopped before it, leaves the record on an older snapshot, so the next update
/// knows the boot servers still wait for the current one, even when upstream has nothing new.
/// </remarks>
public sealed class DeployState(MirrorRoot root)
{
    /// <summary>The snapshot last deployed, or null when none is recorded (or the record is unreadable: deploy again).</summary>
    public string? Deployed()
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(root.DeployStateFile), StateRecordJsonContext.Default.Deployment)?.Snapshot;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The snapshot the boot servers last got when it is a published snapshot other than <paramref name="current"/>:
    /// what a deploy of <paramref name="current"/> changes from. Null otherwise.
    /// </summary>
    public string? DeployedOtherThan(string current) =>
        Deployed() is { } deployed && deployed != current && root.PublishedSnapshots().Contains(deployed) ? deployed : null;

    /// <summary>Records that the boot infrastructure now serves <paramref name="snapshot"/>.</summary>
    /// <exception cref="StorageException">The record could not be written.</exception>
    public void Record(string snapshot)
    {
        ArgumentException.ThrowIfNullOrEmpty(snapshot);
        Directory.CreateDirectory(root.StateDirectory);
        AtomicFile.WriteAllBytes(root.DeployStateFile, JsonSerializer.SerializeToUtf8Bytes(new Deployment(snapshot, DateTimeOffset.UtcNow), StateRecordJsonContext.Default.Deployment));
    }

    internal sealed record Deployment(string Snapshot, DateTimeOffset Time);
}
