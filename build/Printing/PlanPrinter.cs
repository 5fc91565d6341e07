using AlpineMirror.Planning;
using AlpineMirror.Reporting;
using Spectre.Console;

namespace AlpineMirror.Build.Printing;

/// <summary>Shows a plan as an operator reads it: what the snapshot will be, what changes, what it costs.</summary>
internal static class PlanPrinter
{
    // Longer lists go to the JSON report only, so the console stays readable for a first mirror of 20,000 packages.
    private const int MaxListedPackages = 40;

    public static void Print(MirrorPlan plan, IAnsiConsole console)
    {
        console.MarkupLine(plan switch
        {
            { RolledBackFrom: { } rolledBackFrom } => $"Upstream still serves [bold]{rolledBackFrom}[/], which was rolled back from: [bold]{plan.Snapshot}[/] stays published.",
            { HasChanges: false } => $"Nothing new upstream: [bold]{plan.Snapshot}[/] is up to date with {plan.Branch}.",
            { PublishedButNotLinked: { } published } => $"[bold]{published}[/] is already published whole but not linked (a run stopped inside Relink): the update only switches latest-stable to it.",
            _ => $"Snapshot [bold]{plan.Snapshot}[/] of {plan.Branch} from {Markup.Escape(plan.Upstream.AbsoluteUri)} (current: {plan.PreviousSnapshot ?? "none"})",
        });

        if (plan.StaleLinks.Count > 0)
        {
            console.MarkupLine($"{string.Join(", ", plan.StaleLinks)} does not point to [bold]{plan.Snapshot}[/] like latest-stable (a run stopped inside Relink): the update brings it back.");
        }

        var repositories = new Table().AddColumns("repository", "added", "updated", "removed", "unchanged", "to fetch", "download");
        foreach (var r in plan.Repositories)
        {
            repositories.AddRow($"{r.Repo}/{r.Arch}", $"{r.Added.Count}", $"{r.Updated.Count}", $"{r.Removed.Count}",
                $"{r.Unchanged}", $"{r.ToFetch.Count}", ByteSize.Format(r.DownloadBytes));
        }

        console.Write(repositories);

        if (plan.Kernels.Count > 0)
        {
            var kernels = new Table().AddColumns("boot package", "arch", "current", "new", "");
            foreach (var k in plan.Kernels)
            {
                kernels.AddRow(k.Package, k.Arch, k.From ?? "-", k.To ?? "-", k.Changed ? "[yellow]changes[/]" : "");
            }

            console.Write(kernels);
        }

        foreach (var release in plan.Releases)
        {
            var fetch = release.ToFetch.ToList();
            console.MarkupLine($"releases/{release.Arch}: release {release.Version}, {fetch.Count} of {release.Files.Count} files to fetch ({ByteSize.Format(release.DownloadBytes)})"
                + (release.NetbootImage is null ? "" : $", {release.NetbootDirectory}/ from {Markup.Escape(release.NetbootImage)}"));
        }

        PrintChanges(plan, console);
        console.MarkupLine($"Total: {plan.PackagesToFetch} packages and {plan.ReleaseFilesToFetch} release files to fetch, {ByteSize.Format(plan.DownloadBytes)}.");
    }

    private static void PrintChanges(MirrorPlan plan, IAnsiConsole console)
    {
        var lines = plan.Repositories.SelectMany(r =>
                r.Added.Select(p => $"  + {r.Repo}/{r.Arch} {p.Name} {p.Version}")
                    .Concat(r.Updated.Select(u => $"  ~ {r.Repo}/{r.Arch} {u.To.Name} {u.From.Version} -> {u.To.Version}"))
                    .Concat(r.Removed.Select(p => $"  - {r.Repo}/{r.Arch} {p.Name} {p.Version}")))
            .ToList();
        if (lines.Count == 0 || lines.Count > MaxListedPackages)
        {
            return;
        }

        console.WriteLine("Package changes:");
        foreach (var line in lines)
        {
            console.WriteLine(line);
        }
    }
}
