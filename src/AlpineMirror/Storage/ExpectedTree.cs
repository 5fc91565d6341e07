namespace AlpineMirror.Storage;

/// <summary>
/// Every entry a snapshot folder may hold, folder by folder: what the Snapshot step clones from the previous snapshot,
/// what Mirror keeps in staging and what Verify accepts (DESIGN.md invariant 8: nothing unlisted is carried over).
/// </summary>
/// <remarks>
/// Paths are relative to the snapshot and use <c>/</c>; the snapshot itself is the folder <c>""</c>. Lookups take spans,
/// so walking a 10,000-file snapshot builds no string per entry.
/// </remarks>
public sealed class ExpectedTree
{
    private const string Unlisted = "the plan";

    private readonly Dictionary<string, Dictionary<string, ExpectedEntry>> _folders = new(StringComparer.Ordinal) { [""] = new(StringComparer.Ordinal) };
    private readonly Dictionary<string, string> _listedBy = new(StringComparer.Ordinal);
    private readonly List<string> _subtrees = [];

    /// <summary>
    /// Lists <paramref name="relativePath"/> as <paramref name="kind"/>, and the folders above it as folders.
    /// </summary>
    /// <exception cref="ArgumentException">The path is empty or climbs out, or an entry is listed as two different kinds.</exception>
    public ExpectedTree Add(string relativePath, ExpectedEntry kind)
    {
        ArgumentException.ThrowIfNullOrEmpty(relativePath);
        if (kind == ExpectedEntry.InsideSubtree || relativePath.Split('/').Any(s => s is "" or "." or ".."))
        {
            throw new ArgumentException($"expected a relative path of plain names and a listable kind, got '{relativePath}' as {kind}", nameof(relativePath));
        }

        var slash = relativePath.LastIndexOf('/');
        var folder = slash < 0 ? "" : relativePath[..slash];
        if (folder.Length > 0)
        {
            Add(folder, ExpectedEntry.Folder);
        }

        var entries = _folders[folder];
        var name = relativePath[(slash + 1)..];
        if (entries.TryGetValue(name, out var listed) && listed != kind)
        {
            throw new ArgumentException($"'{relativePath}' is listed both as {listed} and as {kind}", nameof(relativePath));
        }

        entries[name] = kind;
        if (kind == ExpectedEntry.Folder)
        {
            _folders.TryAdd(relativePath, new Dictionary<string, ExpectedEntry>(StringComparer.Ordinal));
        }
        else if (kind == ExpectedEntry.Subtree && !_subtrees.Contains(relativePath))
        {
            _subtrees.Add(relativePath);
        }

        return this;
    }

    /// <summary>Names what lists the entries of <paramref name="relativeFolder"/> (e.g. its index), for error messages.</summary>
    public ExpectedTree ListedBy(string relativeFolder, string description)
    {
        Add(relativeFolder, ExpectedEntry.Folder);
        _listedBy[relativeFolder] = description;
        return this;
    }

    /// <summary>What lists the entries of <paramref name="relativeFolder"/>: its own description, else "the plan".</summary>
    public string ListerOf(string relativeFolder) => _listedBy.GetValueOrDefault(relativeFolder, Unlisted);

    /// <summary>
    /// What the entry <paramref name="name"/> of <paramref name="relativeFolder"/> must be, or null when the tree does
    /// not list it; <see cref="ExpectedEntry.InsideSubtree"/> for any name below a subtree.
    /// </summary>
    public ExpectedEntry? Find(ReadOnlySpan<char> relativeFolder, ReadOnlySpan<char> name)
    {
        if (_folders.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(relativeFolder, out var entries))
        {
            return entries.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out var kind) ? kind : null;
        }

        foreach (var subtree in _subtrees)
        {
            if (relativeFolder.StartsWith(subtree, StringComparison.Ordinal)
                && (relativeFolder.Length == subtree.Length || relativeFolder[subtree.Length] == '/'))
            {
                return ExpectedEntry.InsideSubtree;
            }
        }

        return null;
    }
}
