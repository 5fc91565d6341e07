using System.Globalization;

namespace AlpineMirror.Mirroring;

/// <summary>An update that would drop more of the previous snapshot's packages than allowed (DESIGN.md §4.6).</summary>
public sealed class WipeGuardException(string snapshot, int removed, int previous, double maxShare)
    : AlpineMirrorException(snapshot, string.Create(CultureInfo.InvariantCulture,
        $"removes {removed} of the previous snapshot's {previous} packages ({Share(removed, previous):0.0} %), more than the {maxShare * 100:0.0} % allowed; pass --force to publish anyway"))
{
    public int Removed { get; } = removed;
    public int Previous { get; } = previous;
    public double MaxShare { get; } = maxShare;

    private static double Share(int removed, int previous) => previous == 0 ? 0 : 100.0 * removed / previous;
}
