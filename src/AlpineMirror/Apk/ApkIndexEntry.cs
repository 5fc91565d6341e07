namespace AlpineMirror.Apk;

/// <summary>One package record of an APKINDEX (APK-FORMAT.md §2.4).</summary>
public sealed record ApkIndexEntry
{
    /// <summary>C: the package identity, "Q1" + base64 SHA-1 of the control member.</summary>
    public required string Checksum { get; init; }
    public required string Name { get; init; }
    public required string Version { get; init; }
    public required string Arch { get; init; }
    /// <summary>S: the exact size of the .apk file in bytes.</summary>
    public required long Size { get; init; }
    public long InstalledSize { get; init; }
    public string Description { get; init; } = "";
    public string Url { get; init; } = "";
    public string License { get; init; } = "";
    public string Origin { get; init; } = "";
    public string Maintainer { get; init; } = "";
    public long BuildTime { get; init; }
    public string Commit { get; init; } = "";
    public int? ProviderPriority { get; init; }
    public IReadOnlyList<string> Depends { get; init; } = [];
    public IReadOnlyList<string> Provides { get; init; } = [];
    public IReadOnlyList<string> InstallIf { get; init; } = [];

    /// <summary>The file name upstream serves the package under: P-V.apk.</summary>
    public string FileName => $"{Name}-{Version}.apk";
}
