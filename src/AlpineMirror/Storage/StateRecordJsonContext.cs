using System.Text.Json;
using System.Text.Json.Serialization;

namespace AlpineMirror.Storage;

/// <summary>
/// The JSON of the records Storage keeps under <c>.alpinemirror/</c>: the lock holder, the history lines, the publication
/// records and the deploy state. Compact, camelCase, and strict: a null or missing field makes the record unreadable
/// instead of half read.
/// </summary>
/// <remarks>Generated at build time, so the host reads and writes them without reflection (trimmed, Native AOT).</remarks>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    Converters = [typeof(RunActionJsonConverter)])]
[JsonSerializable(typeof(RunLockHolder))]
[JsonSerializable(typeof(RunRecord))]
[JsonSerializable(typeof(SnapshotPublication))]
[JsonSerializable(typeof(DeployState.Deployment))]
internal sealed partial class StateRecordJsonContext : JsonSerializerContext;
