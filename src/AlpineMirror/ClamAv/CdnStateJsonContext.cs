using System.Text.Json;
using System.Text.Json.Serialization;

namespace AlpineMirror.ClamAv;

/// <summary>The JSON of <c>.alpinemirror/clamav/cdn.json</c> (<see cref="CdnState"/>): indented for the operator who reads it, camelCase.</summary>
/// <remarks>Generated at build time, so the host reads and writes it without reflection (trimmed, Native AOT).</remarks>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(CdnState))]
internal sealed partial class CdnStateJsonContext : JsonSerializerContext;
