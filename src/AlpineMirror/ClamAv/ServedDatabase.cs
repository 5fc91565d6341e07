namespace AlpineMirror.ClamAv;

/// <summary>What the served folder holds of one database: the version of its <c>.cvd</c> and the patches beside it.</summary>
public sealed record ServedDatabase(string Database, int? Version, IReadOnlyList<int> Patches)
{
    /// <summary>Reads <paramref name="servedPath"/>; only the header of the <c>.cvd</c> is read (this tool published it verified).</summary>
    /// <exception cref="ClamAvFormatException">The served <c>.cvd</c> has a malformed header.</exception>
    public static ServedDatabase Read(string servedPath, string database)
    {
        var cvd = Path.Combine(servedPath, ClamAvFile.Cvd(database, 0).Name);
        int? version = File.Exists(cvd) ? CvdHeader.Read(cvd).Version : null;

        var patches = Directory.Exists(servedPath)
            ? Directory.EnumerateFiles(servedPath)
                .Select(path => ClamAvFile.ParseVersioned(database, Path.GetFileName(path)))
                .Where(file => file is { Kind: ClamAvFileKind.Cdiff })
                .Select(file => file!.Version)
                .Order()
                .ToList()
            : [];
        return new ServedDatabase(database, version, patches);
    }
}
