namespace AlpineMirror.InHouse;

/// <summary>One arch of an <see cref="InHouseResult"/>: how many packages its index lists, and which versions came and went.</summary>
public sealed record InHouseArchResult(string Arch, int Listed, IReadOnlyList<string> Added, IReadOnlyList<string> Removed);
