using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace AlpineMirror.Upstream;

/// <summary>A YAML event stream that stops at the first collection nested deeper than a limit.</summary>
/// <remarks>
/// YamlDotNet's scanner does work proportional to the open flow collections for every token, so hundreds of kilobytes
/// of <c>[[[…]]]</c> take minutes to read; refusing the first level past the limit keeps a hostile file linear.
/// </remarks>
internal sealed class DepthLimitedParser(IParser inner, int maxDepth, string source) : IParser
{
    private int _depth;

    public ParsingEvent? Current => inner.Current;

    public bool MoveNext()
    {
        if (!inner.MoveNext())
        {
            return false;
        }

        switch (inner.Current)
        {
            case SequenceStart or MappingStart when ++_depth > maxDepth:
                throw new ReleaseFormatException(source,
                    $"line {inner.Current.Start.Line}: nesting: expected at most {maxDepth} levels of lists and mappings, got more");
            case SequenceEnd or MappingEnd:
                _depth--;
                break;
        }

        return true;
    }
}
