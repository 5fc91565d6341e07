namespace AlpineMirror.ClamAv;

/// <summary>What <see cref="ClamAvPackagePublisher"/> did with the <c>--clamav-apk</c> package.</summary>
/// <param name="Version">The version the served databases make; null while not all are served.</param>
/// <param name="Published">Whether a new version entered the in-house repository.</param>
/// <param name="Detail">Why nothing was published, or the in-house repository's summary.</param>
public sealed record ClamAvPackageResult(string Name, string? Version, bool Published, string Detail)
{
    public string Summary() =>
        Version is null ? $"{Name}: {Detail}" : $"{Name}-{Version}: {(Published ? "published" : "nothing new")}, {Detail}";
}
