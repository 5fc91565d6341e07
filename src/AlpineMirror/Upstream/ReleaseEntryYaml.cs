using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace AlpineMirror.Upstream;

/// <summary>One entry of <c>latest-releases.yaml</c> as written: each field's YAML value, read off the event stream, not yet checked.</summary>
/// <remarks>
/// Read without YamlDotNet's reflection deserializer so that the host runs under Native AOT. Any field may be present:
/// upstream adds some, and nobody asks for those, so their values, lists and mappings alike, are skipped (within the
/// parser's nesting limit). A repeated field keeps its last value, as the deserializer did.
/// </remarks>
/// <param name="source">Where the YAML came from, as named in errors.</param>
/// <param name="number">The entry's position in the sequence, from 1.</param>
/// <param name="line">The line of the entry's first field.</param>
internal sealed class ReleaseEntryYaml(string source, int number, long line)
{
    private readonly Dictionary<string, ParsingEvent> _values = new(StringComparer.Ordinal);

    /// <summary>Reads the mapping that starts at the parser's current event, up to and including its end.</summary>
    /// <exception cref="ReleaseFormatException">The entry is not a mapping, or a field name is not a single value.</exception>
    public static ReleaseEntryYaml Read(IParser parser, string source, int number)
    {
        if (!parser.TryConsume<MappingStart>(out var start))
        {
            throw Misshapen(source, number, parser.Current!, "expected a mapping of fields");
        }

        var entry = new ReleaseEntryYaml(source, number, start.Start.Line);
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            if (!parser.TryConsume<Scalar>(out var field))
            {
                throw Misshapen(source, number, parser.Current!, "expected a field name");
            }

            entry._values[field.Value] = parser.Current!;
            parser.SkipThisAndNestedEvents();
        }

        return entry;
    }

    /// <summary>The field's text; <see langword="null"/> when it is missing or YAML's null (empty, <c>~</c>, <c>null</c>).</summary>
    /// <exception cref="ReleaseFormatException">The field holds a list, a mapping or an alias.</exception>
    public string? Text(string field) => _values.GetValueOrDefault(field) switch
    {
        null => null,
        Scalar { Style: ScalarStyle.Plain, Value: "" or "~" or "null" or "Null" or "NULL" } => null,
        Scalar scalar => scalar.Value,
        var value => throw Misshapen(source, number, value, $"{field}: expected a single value"),
    };

    /// <summary>A field's value that is well formed YAML but not what the field holds.</summary>
    public ReleaseFormatException Invalid(string field, string expected, string actual) =>
        new(source, $"entry {number} (line {line}): {field}: expected {expected}, got {Quoted(actual)}");

    /// <summary>A field that is required but missing or empty.</summary>
    public ReleaseFormatException Missing(string field) =>
        new(source, $"entry {number} (line {line}): {field}: expected a value, got nothing");

    private static ReleaseFormatException Misshapen(string source, int number, ParsingEvent found, string expected)
    {
        var got = found switch
        {
            SequenceStart => "a list",
            MappingStart => "a mapping",
            AnchorAlias alias => $"the alias *{alias.Value}",
            Scalar { Value: "" } => "nothing",
            Scalar scalar => Quoted(scalar.Value),
            _ => found.GetType().Name,
        };
        return new ReleaseFormatException(source, $"entry {number}: line {found.Start.Line}, column {found.Start.Column}: {expected}, got {got}");
    }

    private static string Quoted(string value) => $"'{UpstreamLayout.Printable(value.Length <= 80 ? value : value[..80] + "…")}'";
}
