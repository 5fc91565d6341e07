using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
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
        // Written straight to UTF-8: a full mirror's report lists every package, and building it as a JsonNode tree first
        // cost more than writing it.
        var output = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, Encoder = Json.Options.Encoder }))
        {
            writer.WriteStartObject();
            writer.WriteString("target", Target);
            writer.WriteBoolean("dryRun", DryRun);
            writer.WriteBoolean("succeeded", Succeeded);
            writer.WriteNumber("exitCode", ExitCode);
            writer.WriteString("error", Error);
            writer.WriteString("startedAt", StartedAt.ToString("O", CultureInfo.InvariantCulture));
            writer.WriteNumber("durationSeconds", Math.Round(Duration.TotalSeconds, 3));
            if (Plan is not null)
            {
                // The plan's fields at the top level, each serialized straight into the writer (it holds every package).
                var plan = PlanReport.From(Plan);
                foreach (var field in Json.PlanReport.Properties)
                {
                    writer.WritePropertyName(field.Name);
                    JsonSerializer.Serialize(writer, field.Get!(plan), field.PropertyType, Json);
                }
            }

            WriteMirror(writer);
            WriteVerification(writer);
            WriteValue(writer, "published", Published, Json.SnapshotSwitch);
            WriteValue(writer, "deploy", Deploy, Json.DeployOutcome);
            WriteValue(writer, "inhouse", InHouse, Json.InHouseResult);
            if (Antivirus is not null)
            {
                WriteValue(writer, "antivirus", Antivirus, Json.ClamAvResult);
            }
            else if (AntivirusPlan is not null)
            {
                writer.WriteStartObject("antivirus");
                WriteValue(writer, "plan", AntivirusPlan, Json.ClamAvPlan);
                writer.WriteEndObject();
            }

            if (AntivirusPackage is not null)
            {
                WriteValue(writer, "antivirusPackage", AntivirusPackage, Json.ClamAvPackageResult);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    // Through a document: a date inside is then written escaped as the writer escapes every string (as the plan's are).
    private static void WriteValue<T>(Utf8JsonWriter writer, string name, T? value, JsonTypeInfo<T> type)
    {
        if (value is null)
        {
            writer.WriteNull(name);
            return;
        }

        using var document = JsonSerializer.SerializeToDocument(value, type);
        writer.WritePropertyName(name);
        document.RootElement.WriteTo(writer);
    }

    private void WriteMirror(Utf8JsonWriter writer)
    {
        if (Mirror is null)
        {
            writer.WriteNull("mirror");
            return;
        }

        writer.WriteStartObject("mirror");
        writer.WriteNumber("downloaded", Mirror.Downloaded);
        writer.WriteNumber("reused", Mirror.Reused);
        writer.WriteNumber("removed", Mirror.Removed);
        writer.WriteNumber("resumed", Mirror.Resumed);
        writer.WriteNumber("retried", Mirror.Retried);
        writer.WriteNumber("bytesDownloaded", Mirror.BytesDownloaded);
        writer.WriteNumber("durationSeconds", Math.Round(Mirror.Duration.TotalSeconds, 3));
        writer.WriteEndObject();
    }

    private void WriteVerification(Utf8JsonWriter writer)
    {
        if (Verification is null)
        {
            writer.WriteNull("verification");
            return;
        }

        writer.WriteStartObject("verification");
        writer.WriteNumber("packages", Verification.Packages);
        writer.WriteNumber("releaseFiles", Verification.ReleaseFiles);
        writer.WriteNumber("bytesHashed", Verification.BytesHashed);
        writer.WriteNumber("removedPackages", Verification.RemovedPackages);
        writer.WriteNumber("previousPackages", Verification.PreviousPackages);
        writer.WriteNumber("unchangedFiles", Verification.UnchangedFiles);
        writer.WriteNumber("mirroredFiles", Verification.MirroredFiles);
        writer.WriteString("mode", Verification.Mode.ToString().ToLowerInvariant());
        writer.WriteNumber("durationSeconds", Math.Round(Verification.Duration.TotalSeconds, 3));
        writer.WriteEndObject();
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
