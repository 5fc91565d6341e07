using AlpineMirror.Reporting;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace AlpineMirror.Build.Printing;

/// <summary>The mirror root as a tree: snapshots with their repositories, links with their targets.</summary>
internal static class MirrorTree
{
    // Deeper levels hold thousands of packages: a count says more than a list there.
    private const int ListedDepth = 3;

    public static IRenderable Render(string root)
    {
        var tree = new Tree(Markup.Escape(root));
        Add(tree.AddNode, new DirectoryInfo(root), depth: 1);
        return tree;
    }

    private static void Add(Func<string, TreeNode> addNode, DirectoryInfo directory, int depth)
    {
        var entries = directory.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        var files = entries.OfType<FileInfo>().Where(f => f.LinkTarget is null).ToList();
        if (depth > ListedDepth && files.Count > 0)
        {
            addNode($"[grey]{files.Count} files, {ByteSize.Format(files.Sum(f => f.Length))}[/]");
            files.Clear();
        }

        foreach (var entry in entries)
        {
            if (entry.LinkTarget is { } target)
            {
                addNode($"[blue]{Markup.Escape(entry.Name)}[/] -> {Markup.Escape(target)}");
            }
            else if (entry is DirectoryInfo child)
            {
                var node = addNode($"[bold]{Markup.Escape(child.Name)}/[/]");
                Add(node.AddNode, child, depth + 1);
            }
            else if (files.Contains(entry))
            {
                addNode(Markup.Escape(entry.Name));
            }
        }
    }
}
