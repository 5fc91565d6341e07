using System.Text.Json;
using System.Text.Json.Serialization;
using AlpineMirror.ClamAv;
using AlpineMirror.InHouse;
using AlpineMirror.Planning;
using AlpineMirror.Storage;

namespace AlpineMirror.Reporting;

/// <summary>The JSON of the run and plan reports (<see cref="RunReport"/>): indented, camelCase, nulls written out.</summary>
/// <remarks>Generated at build time, so the host writes reports without reflection (trimmed, Native AOT).</remarks>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(PlanReport))]
[JsonSerializable(typeof(SnapshotSwitch))]
[JsonSerializable(typeof(DeployOutcome))]
[JsonSerializable(typeof(InHouseResult))]
[JsonSerializable(typeof(ClamAvResult))]
[JsonSerializable(typeof(ClamAvPlan))]
[JsonSerializable(typeof(ClamAvPackageResult))]
internal sealed partial class RunReportJsonContext : JsonSerializerContext;
