using System.Text.Json;
using System.Text.Json.Serialization;

namespace AlpineMirror.Storage;

/// <summary>
/// <see cref="RunAction"/> as <c>history.jsonl</c> spells it: <c>"update"</c>, <c>"rollback"</c>. A number is refused:
/// it would only come from a hand edit, and the line is then skipped as unreadable rather than guessed at.
/// </summary>
internal sealed class RunActionJsonConverter() : JsonStringEnumConverter<RunAction>(JsonNamingPolicy.CamelCase, allowIntegerValues: false);
