namespace AlpineMirror.InHouse;

/// <summary>A version the operator withdrew: it stays out of the repository, whatever the sources offer, until restored.</summary>
/// <param name="Checksum">The C: it had when withdrawn, so the record says which build was bad.</param>
public sealed record WithdrawnPackage(string Name, string Version, string Checksum, DateTimeOffset WithdrawnAt)
{
    /// <summary><c>&lt;name&gt;-&lt;version&gt;</c>, as <c>--package</c> names it.</summary>
    public string Id => $"{Name}-{Version}";
}
