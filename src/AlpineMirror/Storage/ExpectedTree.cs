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
        if (kind == ExpectedEntry.InsideSubtree || !HasOnlyPlainNames(relativePath))
        {
            throw new ArgumentException($"expected a relative path of plain names and a listable kind, got '{relativePath}' as {kind}", nameof(relativePath));
        }

        // A plan lists thousands of files per folder: the folder is looked up by span, and listed (with the folders
        // above it) only the first time.
        var slash = relativePath.LastIndexOf('/');
        if (!_folders.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(slash < 0 ? "" : relativePath.AsSpan(0, slash), out var entries))
        {
            var folder = relativePath[..slash];
            Add(folder, ExpectedEntry.Folder);
            entries = _folders[folder];
        }

        var names = entries.GetAlternateLookup<ReadOnlySpan<char>>();
        var name = relativePath.AsSpan(slash + 1);
        if (names.TryGetValue(name, out var listed))
        {
            return listed == kind
                ? this
                : throw new ArgumentException($"'{relativePath}' is listed both as {listed} and as {kind}", nameof(relativePath));
        }

        names[name] = kind;
        if (kind == ExpectedEntry.Folder)
        {
            _folders.TryAdd(relativePath, new Dictionary<string, ExpectedEntry>(StringComparer.Ordinal));
        }
        else if (kind == ExpectedEntry.Subtree)
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

    private static bool HasOnlyPlainNames(string relativePath)
    {
        foreach (var segment in relativePath.AsSpan().Split('/'))
        {
            if (relativePath.AsSpan(segment) is "" or "." or "..")
            {
                return false;
            }
        }

        return true;
    }
}
