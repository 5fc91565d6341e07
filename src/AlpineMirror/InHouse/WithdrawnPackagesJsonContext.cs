using System.Text.Json;
using System.Text.Json.Serialization;

namespace AlpineMirror.InHouse;

/// <summary>
/// The JSON of <c>.alpinemirror/inhouse/withdrawn.json</c>: indented for the operator who reads it, camelCase, and
/// strict, so a record with a field missing or null is refused rather than half read.
/// </summary>
/// <remarks>Generated at build time, so the host reads and writes it without reflection (trimmed, Native AOT).</remarks>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    WriteIndented = true,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(List<WithdrawnPackage>))]
internal sealed partial class WithdrawnPackagesJsonContext : JsonSerializerContext;
