namespace AlpineMirror.ClamAv;

/// <summary>The antivirus feed's options (<c>--clamav-*</c>), resolved once with the others.</summary>
public sealed record ClamAvOptions
{
    /// <summary>ClamAV's own CDN, whose rules (DNS first, one check an hour) apply only to it by default.</summary>
    public static readonly Uri OfficialUpstream = new("https://database.clamav.net");

    /// <summary>Whether Update runs the Antivirus task too (<c>--clamav</c>); the Antivirus target runs regardless.</summary>
    public bool Enabled { get; init; }
    public Uri Upstream { get; init; } = OfficialUpstream;
    public IReadOnlyList<string> Databases { get; init; } = ["main", "daily", "bytecode"];
    /// <summary>The served folder, relative to the mirror root.</summary>
    public string Directory { get; init; } = "clamav";
    /// <summary>How many of the newest patches of each database are kept.</summary>
    public int Keep { get; init; } = 30;
    /// <summary>Learn versions from the TXT record of <c>current.cvd.clamav.net</c> before asking over HTTP.</summary>
    public bool Dns { get; init; } = true;
    /// <summary>The least time between two checks of upstream.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(60);
    /// <summary>Folder of CA certificates the <c>.sign</c> files must chain to; null checks their format only.</summary>
    public string? Certificates { get; init; }
    /// <summary>The package name (<c>--clamav-apk</c>) the databases are published under in the in-house repository; null: none.</summary>
    public string? Package { get; init; }

    public bool IsOfficialUpstream(Uri upstream) =>
        Uri.Compare(upstream, OfficialUpstream, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    /// <summary>The served folder under <paramref name="root"/>.</summary>
    public string ServedPath(string root) => Path.Combine(root, Directory);
}
