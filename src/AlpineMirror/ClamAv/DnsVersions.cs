using System.Globalization;
using DnsClient;

namespace AlpineMirror.ClamAv;

/// <summary>
/// The versions ClamAV announces in the TXT record of <c>current.cvd.clamav.net</c> (CLAMAV-FORMAT.md §5), e.g.
/// <c>0.103.0:59:25954:1602487740:0:63:49191:331</c>: one DNS query instead of one request per database.
/// </summary>
public static class DnsVersions
{
    public const string RecordName = "current.cvd.clamav.net";

    // Field positions in the record; other databases are not announced there.
    private static readonly Dictionary<string, int> Fields = new() { ["main"] = 1, ["daily"] = 2, ["bytecode"] = 7 };

    /// <summary>The announced version of each database the record names; empty when the record is missing.</summary>
    /// <exception cref="DnsResponseException">The query failed or timed out.</exception>
    public static async Task<IReadOnlyDictionary<string, int>> LookupAsync(ILookupClient dns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dns);
        var response = await dns.QueryAsync(RecordName, QueryType.TXT, cancellationToken: cancellationToken);
        var text = response.Answers.TxtRecords().SelectMany(r => r.Text).FirstOrDefault();
        return text is null ? new Dictionary<string, int>() : Parse(text);
    }

    /// <summary>The versions in one record's text; fields that are missing or not numbers are left out.</summary>
    public static IReadOnlyDictionary<string, int> Parse(string text)
    {
        var fields = text.Split(':');
        var versions = new Dictionary<string, int>();
        foreach (var (database, index) in Fields)
        {
            if (index < fields.Length && int.TryParse(fields[index], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                versions[database] = version;
            }
        }

        return versions;
    }
}
