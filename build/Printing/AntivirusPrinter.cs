using AlpineMirror.ClamAv;
using AlpineMirror.Reporting;
using Spectre.Console;

namespace AlpineMirror.Build.Printing;

/// <summary>Shows the antivirus feed's plan and outcome: versions on both sides, files, bytes, and when upstream may be asked next.</summary>
internal static class AntivirusPrinter
{
    public static void Print(ClamAvPlan plan, IAnsiConsole console)
    {
        if (plan.WaitReason is { } reason)
        {
            console.MarkupLine($"Not asking {Markup.Escape(plan.Upstream.AbsoluteUri)} now: {Markup.Escape(reason)}. Next check allowed at [bold]{plan.NextCheck:u}[/].");
            return;
        }

        var table = new Table().AddColumns("database", "mirror", "upstream", "learnt by", "to fetch", "bytes");
        foreach (var database in plan.Databases)
        {
            var files = database.Files.Select(f => f.Name).ToList();
            table.AddRow(
                database.Database,
                database.MirrorVersion?.ToString() ?? "none",
                database.UpstreamVersion.ToString(),
                database.VersionSource,
                Markup.Escape(files.Count == 0 ? "nothing" : files.Count > 4 ? $"{files[0]} … {files[^1]} ({files.Count} files)" : string.Join(", ", files)),
                database.CvdSize is { } size ? $".cvd {ByteSize.Format(size)}" : "-");
        }

        console.Write(table);
        foreach (var note in plan.Notes)
        {
            console.MarkupLine($"[yellow]{Markup.Escape(note)}[/]");
        }
    }

    public static void Print(ClamAvResult result, IAnsiConsole console)
    {
        Print(result.Plan, console);
        foreach (var database in result.Databases)
        {
            console.MarkupLine(Markup.Escape(database switch
            {
                { Error: { } error } => $"{database.Database}: nothing published: {error}",
                { Published.Count: 0 } => $"{database.Database}: up to date at {database.To?.ToString() ?? "none"}",
                _ => $"{database.Database}: {database.From?.ToString() ?? "none"} → {database.To}, published {string.Join(", ", database.Published)}"
                     + (database.Removed.Count > 0 ? $"; removed {string.Join(", ", database.Removed)}" : "")
                     + (database.Note is { } note ? $" ({note})" : ""),
            }));
        }

        if (result.Plan.WaitReason is null)
        {
            console.MarkupLine(Markup.Escape(
                $"{result.Requests} requests, {ByteSize.Format(result.BytesDownloaded)} downloaded in {result.Duration.TotalSeconds:0.00} s"
                + (result.WaitReason is { } reason ? $"; upstream asked us to stop: {reason}" : "")
                + (result.NextCheck is { } next ? $"; next check allowed at {next:u}" : "")));
        }
    }
}
