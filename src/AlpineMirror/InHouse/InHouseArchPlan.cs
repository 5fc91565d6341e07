using AlpineMirror.Apk;

namespace AlpineMirror.InHouse;

/// <summary>What one arch's index lists after the run, and how that differs from the published index.</summary>
/// <param name="Listed">Every package the new index lists, sorted by name then version.</param>
/// <param name="Added">The listed packages the published index does not list yet.</param>
/// <param name="Removed">The published records the new index drops (retention or withdrawal).</param>
/// <param name="IndexMissing">No index is published for this arch yet, so one is written even when empty.</param>
public sealed record InHouseArchPlan(
    string Arch, IReadOnlyList<InHousePackage> Listed, IReadOnlyList<InHousePackage> Added, IReadOnlyList<ApkIndexEntry> Removed, bool IndexMissing)
{
    public bool HasChanges => IndexMissing || Added.Count > 0 || Removed.Count > 0;
}
