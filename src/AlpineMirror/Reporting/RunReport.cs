using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AlpineMirror.ClamAv;
using AlpineMirror.InHouse;
using AlpineMirror.Mirroring;
using AlpineMirror.Planning;
using AlpineMirror.Storage;

namespace AlpineMirror.Reporting;

/// <summary>
/// What one run of a target did, for people (a short Markdown summary) and for machines (JSON: the plan's fields at
/// the top level, as the Plan report has them, plus the outcome of every later step).
/// </summary>
public sealed record RunReport
{
    public required string Target { get; init; }
    public required bool DryRun { get; init; }
    public required bool Succeeded { get; init; }
    public required int ExitCode { get; init; }
    public string? Error { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required TimeSpan Duration { get; init; }
    public MirrorPlan? Plan { get; init; }
    public MirrorResult? Mirror { get; init; }
    public VerificationReport? Verification { get; init; }
    public SnapshotSwitch? Published { get; init; }
    public DeployOutcome? Deploy { get; init; }
    public InHouseResult? InHouse { get; init; }
    /// <summary>The antivirus feed's outcome; in a dry run, only its plan.</summary>
    public ClamAvResult? Antivirus { get; init; }
    public ClamAvPlan? AntivirusPlan { get; init; }
    /// <summary>What became of the <c>--clamav-apk</c> package; null when the option is off or the feed failed first.</summary>
    public ClamAvPackageResult? AntivirusPackage { get; init; }

    private static RunReportJsonContext Json => RunReportJsonContext.Default;

    public string ToJson()
    {
        var json = Plan is null ? new JsonObject() : JsonSerializer.SerializeToNode(PlanReport.From(Plan), Json.PlanReport)!.AsObject();
        json.Insert(0, "target", Target);
        json.Insert(1, "dryRun", DryRun);
        json.Insert(2, "succeeded", Succeeded);
        json.Insert(3, "exitCode", ExitCode);
        json.Insert(4, "error", Error);
        json.Insert(5, "startedAt", StartedAt.ToString("O", CultureInfo.InvariantCulture));
        json.Insert(6, "durationSeconds", Math.Round(Duration.TotalSeconds, 3));
        json["mirror"] = Mirror is null ? null : new JsonObject
        {
            ["downloaded"] = Mirror.Downloaded,
            ["reused"] = Mirror.Reused,
            ["removed"] = Mirror.Removed,
            ["resumed"] = Mirror.Resumed,
            ["retried"] = Mirror.Retried,
            ["bytesDownloaded"] = Mirror.BytesDownloaded,
            ["durationSeconds"] = Math.Round(Mirror.Duration.TotalSeconds, 3),
        };
        json["verification"] = Verification is null ? null : new JsonObject
        {
            ["packages"] = Verification.Packages,
            ["releaseFiles"] = Verification.ReleaseFiles,
            ["bytesHashed"] = Verification.BytesHashed,
            ["removedPackages"] = Verification.RemovedPackages,
            ["previousPackages"] = Verification.PreviousPackages,
            ["unchangedFiles"] = Verification.UnchangedFiles,
            ["mirroredFiles"] = Verification.MirroredFiles,
            ["mode"] = Verification.Mode.ToString().ToLowerInvariant(),
            ["durationSeconds"] = Math.Round(Verification.Duration.TotalSeconds, 3),
        };
        json["published"] = JsonSerializer.SerializeToNode(Published, Json.SnapshotSwitch);
        json["deploy"] = JsonSerializer.SerializeToNode(Deploy, Json.DeployOutcome);
        json["inhouse"] = JsonSerializer.SerializeToNode(InHouse, Json.InHouseResult);
        if (Antivirus is not null || AntivirusPlan is not null)
        {
            json["antivirus"] = Antivirus is not null
                ? JsonSerializer.SerializeToNode(Antivirus, Json.ClamAvResult)
                : new JsonObject { ["plan"] = JsonSerializer.SerializeToNode(AntivirusPlan, Json.ClamAvPlan) };
        }

        if (AntivirusPackage is not null)
        {
            json["antivirusPackage"] = JsonSerializer.SerializeToNode(AntivirusPackage, Json.ClamAvPackageResult);
        }

        return json.ToJsonString(Json.Options);
    }

    public string ToMarkdown()
    {
        var summary = new StringBuilder();
        summary.AppendLine($"### AlpineMirror {Target}{(DryRun ? " (dry run)" : "")}: {(Succeeded ? "succeeded" : "failed")}");
        summary.AppendLine();
        if (Error is not null)
        {
            summary.AppendLine($"> {Error}");
            summary.AppendLine();
        }

        summary.AppendLine("| | |");
        summary.AppendLine("|---|---|");
        if (Plan is not null)
        {
            summary.AppendLine($"| snapshot | {Plan.Snapshot} (previous: {Plan.PreviousSnapshot ?? "none"}){(Plan.HasChanges ? "" : ", nothing new upstream")} |");
            summary.AppendLine($"| packages | {Plan.Repositories.Sum(r => r.Added.Count)} added, {Plan.Repositories.Sum(r => r.Updated.Count)} updated, {Plan.Repositories.Sum(r => r.Removed.Count)} removed, {Plan.Repositories.Sum(r => r.Unchanged)} unchanged |");
            summary.AppendLine($"| to download | {Plan.PackagesToFetch} packages, {Plan.ReleaseFilesToFetch} release files, {ByteSize.Format(Plan.DownloadBytes)} |");
            var changed = Plan.Kernels.Where(k => k.Changed).Select(k => $"{k.Package} {k.From ?? "-"} → {k.To ?? "-"}").ToList();
            summary.AppendLine($"| kernels | {(changed.Count == 0 ? "unchanged" : string.Join(", ", changed))} |");
        }

        if (Mirror is not null)
        {
            summary.AppendLine($"| downloaded | {Mirror.Downloaded} files, {ByteSize.Format(Mirror.BytesDownloaded)}; {Mirror.Reused} reused, {Mirror.Removed} removed |");
        }

        if (Verification is not null)
        {
            summary.AppendLine($"| verified | {Verification.Packages} packages, {Verification.ReleaseFiles} release files ({Verification.Mode.ToString().ToLowerInvariant()}: {ByteSize.Format(Verification.BytesHashed)} hashed) |");
        }

        if (Published is not null)
        {
            summary.AppendLine($"| latest-stable | {Published.From ?? "none"} → {Published.To} |");
        }

        if (Deploy is not null)
        {
            summary.AppendLine($"| deploy | {Deploy.Status}: {Deploy.Detail} |");
        }

        if (InHouse is not null)
        {
            summary.AppendLine($"| in-house {InHouse.Action} | {InHouse.Summary()} |");
        }

        if ((Antivirus?.Plan ?? AntivirusPlan) is { } antivirus)
        {
            summary.AppendLine($"| antivirus | {AntivirusSummary(antivirus)} |");
        }

        if (AntivirusPackage is not null)
        {
            summary.AppendLine($"| antivirus apk | {AntivirusPackage.Summary()} |");
        }

        summary.AppendLine($"| duration | {Duration.TotalSeconds:0.0} s |");
        return summary.ToString();
    }

    private string AntivirusSummary(ClamAvPlan plan)
    {
        if (plan.WaitReason is { } reason && Antivirus?.Databases is not { Count: > 0 })
        {
            return $"not checked: {reason}; next check at {plan.NextCheck:u}";
        }

        var databases = Antivirus?.Databases.Select(d => d.Error is { } error
                ? $"{d.Database} failed ({error})"
                : d.From == d.To ? $"{d.Database} {d.To?.ToString() ?? "none"}" : $"{d.Database} {d.From?.ToString() ?? "none"} → {d.To}")
            ?? plan.Databases.Select(d => d.HasChanges ? $"{d.Database} {d.MirrorVersion?.ToString() ?? "none"} → {d.UpstreamVersion}" : $"{d.Database} {d.MirrorVersion}");
        var cost = Antivirus is { } result ? $"; {result.Requests} requests, {ByteSize.Format(result.BytesDownloaded)}" : "";
        return string.Join(", ", databases) + cost;
    }
}
