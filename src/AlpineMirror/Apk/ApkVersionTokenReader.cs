using System.Buffers;

namespace AlpineMirror.Apk;

/// <summary>Splits an apk version into tokens one at a time, as apk-tools 3 <c>token_first</c>/<c>token_next</c> do.</summary>
/// <remarks>
/// Grammar: <c>number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}</c>. A token may only follow the kinds
/// the grammar puts before it; anything else turns the token <see cref="TokenKind.Invalid"/> and the reader stops
/// there. Works on a span so that comparing versions allocates nothing.
/// </remarks>
internal ref struct ApkVersionTokenReader
{
    /// <summary>Token kinds; the order is the grammar and also decides comparisons when one version runs out.</summary>
    internal enum TokenKind
    {
        InitialDigit,
        Digit,
        Letter,
        Suffix,
        SuffixNumber,
        CommitHash,
        RevisionNumber,
        End,
        Invalid,
    }

    /// <summary>Suffix ranks; everything below <see cref="None"/> is a pre-release.</summary>
    internal enum SuffixKind
    {
        Invalid,
        Alpha,
        Beta,
        Pre,
        Rc,
        None,
        Cvs,
        Svn,
        Git,
        Hg,
        P,
    }

    private static readonly SearchValues<char> Digits = SearchValues.Create("0123456789");
    private static readonly SearchValues<char> SuffixLetters = SearchValues.Create("abcdefghijklmnopqrstuvwxyz");

    // apk's hex class for commit hashes is lower case only.
    private static readonly SearchValues<char> HashDigits = SearchValues.Create("0123456789abcdef");

    private ReadOnlySpan<char> _rest;

    public ApkVersionTokenReader(ReadOnlySpan<char> version)
    {
        _rest = version;
        Kind = TokenKind.InitialDigit;
        ReadDigits();
    }

    public TokenKind Kind { get; private set; }

    /// <summary>The suffix rank when <see cref="Kind"/> is <see cref="TokenKind.Suffix"/>.</summary>
    public SuffixKind Suffix { get; private set; }

    /// <summary>The numeric value of a digit token; wraps past 2^64 like apk's <c>apk_blob_pull_uint</c>.</summary>
    public ulong Number { get; private set; }

    /// <summary>The token's text without its separator (<c>.</c>, <c>_</c>, <c>~</c>, <c>-r</c>).</summary>
    public ReadOnlySpan<char> Value { get; private set; }

    /// <summary>True while the reader sits on a real token (neither past the end nor stopped at an error).</summary>
    public readonly bool HasToken => Kind < TokenKind.End;

    public void MoveNext()
    {
        if (_rest.IsEmpty)
        {
            Kind = TokenKind.End;
            return;
        }

        var first = _rest[0];
        switch (first)
        {
            case >= 'a' and <= 'z':
                if (Kind > TokenKind.Digit)
                {
                    break;
                }

                Value = _rest[..1];
                _rest = _rest[1..];
                Kind = TokenKind.Letter;
                return;
            case '.' or (>= '0' and <= '9'):
                if (first == '.')
                {
                    if (Kind > TokenKind.Digit)
                    {
                        break;
                    }

                    _rest = _rest[1..];
                }

                // Digits directly after a suffix name are its number; after a letter they are not allowed.
                var next = Kind switch
                {
                    TokenKind.InitialDigit or TokenKind.Digit => TokenKind.Digit,
                    TokenKind.Suffix => TokenKind.SuffixNumber,
                    _ => TokenKind.Invalid,
                };
                if (next == TokenKind.Invalid)
                {
                    break;
                }

                Kind = next;
                ReadDigits();
                return;
            case '_':
                if (Kind > TokenKind.SuffixNumber)
                {
                    break;
                }

                Value = LeadingRun(_rest[1..], SuffixLetters);
                _rest = _rest[(1 + Value.Length)..];
                Suffix = SuffixOf(Value);
                if (Suffix == SuffixKind.Invalid)
                {
                    break;
                }

                Kind = TokenKind.Suffix;
                return;
            case '~':
                if (Kind >= TokenKind.CommitHash)
                {
                    break;
                }

                Value = LeadingRun(_rest[1..], HashDigits);
                _rest = _rest[(1 + Value.Length)..];
                if (Value.IsEmpty)
                {
                    break;
                }

                Kind = TokenKind.CommitHash;
                return;
            case '-':
                if (Kind >= TokenKind.RevisionNumber || !_rest.StartsWith("-r", StringComparison.Ordinal))
                {
                    break;
                }

                _rest = _rest[2..];
                Kind = TokenKind.RevisionNumber;
                ReadDigits();
                return;
        }

        Kind = TokenKind.Invalid;
    }

    private void ReadDigits()
    {
        Value = LeadingRun(_rest, Digits);
        _rest = _rest[Value.Length..];
        if (Value.IsEmpty)
        {
            Kind = TokenKind.Invalid;
            return;
        }

        ulong number = 0;
        foreach (var digit in Value)
        {
            number = unchecked((number * 10) + (ulong)(digit - '0'));
        }

        Number = number;
    }

    // Suffix names must match exactly: "_pre" is Pre, "_p" is P, "_post" and "_prerelease" are invalid.
    private static SuffixKind SuffixOf(ReadOnlySpan<char> name) => name switch
    {
        "alpha" => SuffixKind.Alpha,
        "beta" => SuffixKind.Beta,
        "pre" => SuffixKind.Pre,
        "rc" => SuffixKind.Rc,
        "cvs" => SuffixKind.Cvs,
        "svn" => SuffixKind.Svn,
        "git" => SuffixKind.Git,
        "hg" => SuffixKind.Hg,
        "p" => SuffixKind.P,
        _ => SuffixKind.Invalid,
    };

    private static ReadOnlySpan<char> LeadingRun(ReadOnlySpan<char> text, SearchValues<char> accepted)
    {
        var end = text.IndexOfAnyExcept(accepted);
        return end < 0 ? text : text[..end];
    }
}
