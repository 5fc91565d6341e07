using TokenKind = AlpineMirror.Apk.ApkVersionTokenReader.TokenKind;
using SuffixKind = AlpineMirror.Apk.ApkVersionTokenReader.SuffixKind;

namespace AlpineMirror.Apk;

/// <summary>Validates, orders and matches Alpine package versions exactly as apk-tools 3 (<c>src/version.c</c>) does.</summary>
/// <remarks>
/// Invalid versions are still ordered (apk compares them token by token up to the first bad token) so that
/// one odd entry in an index cannot break sorting; use <see cref="IsValid"/> to reject them.
/// </remarks>
public static class ApkVersion
{
    [Flags]
    private enum Outcome
    {
        Less = 1,
        Equal = 2,
        Greater = 4,
    }

    /// <summary>Orders two versions: negative when <paramref name="a"/> is older, zero when equal, positive when newer.</summary>
    public static int Compare(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return Compare(a, b, fuzzy: false) switch
        {
            Outcome.Less => -1,
            Outcome.Greater => 1,
            _ => 0,
        };
    }

    /// <summary>True when <paramref name="version"/> follows <c>number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}</c>.</summary>
    public static bool IsValid(string version)
    {
        ArgumentNullException.ThrowIfNull(version);
        var reader = new ApkVersionTokenReader(version);
        while (reader.HasToken)
        {
            reader.MoveNext();
        }

        return reader.Kind == TokenKind.End;
    }

    /// <summary>The <c>~</c> dependency operator: true when <paramref name="version"/> equals <paramref name="prefix"/> token for token until <paramref name="prefix"/> ends (<c>3.6.9 ~ 3.6</c>).</summary>
    public static bool FuzzyMatches(string version, string prefix)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(prefix);
        return Compare(version, prefix, fuzzy: true) == Outcome.Equal;
    }

    /// <summary>
    /// True when <c>version op other</c> holds, for the dependency operators <c>&lt; &lt;= = &gt;= &gt; ~ &lt;~ &gt;~</c>;
    /// <c>&lt;~</c> and <c>&gt;~</c> also accept a fuzzy match.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="op"/> is not one of those operators.</exception>
    public static bool Satisfies(string version, string op, string other)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(other);
        var (accepted, fuzzy) = op switch
        {
            "<" => (Outcome.Less, false),
            "<=" => (Outcome.Less | Outcome.Equal, false),
            "=" => (Outcome.Equal, false),
            ">=" => (Outcome.Greater | Outcome.Equal, false),
            ">" => (Outcome.Greater, false),
            "~" => (Outcome.Equal, true),
            "<~" => (Outcome.Less | Outcome.Equal, true),
            ">~" => (Outcome.Greater | Outcome.Equal, true),
            _ => throw new ArgumentException(
                $"version operator: expected one of < <= = >= > ~ <~ >~, got '{op}'", nameof(op)),
        };
        return (Compare(version, other, fuzzy) & accepted) != 0;
    }

    // AT3 apk_version_compare_fuzzy: walk both versions while their token kinds agree, the first differing
    // value decides; when one version has more tokens the kind of its next token decides.
    private static Outcome Compare(ReadOnlySpan<char> a, ReadOnlySpan<char> b, bool fuzzy)
    {
        var left = new ApkVersionTokenReader(a);
        var right = new ApkVersionTokenReader(b);
        for (; left.Kind == right.Kind && left.HasToken; left.MoveNext(), right.MoveNext())
        {
            var outcome = CompareTokens(ref left, ref right);
            if (outcome != Outcome.Equal)
            {
                return outcome;
            }
        }

        // Both ended, or both stopped at an invalid token at the same place.
        if (left.Kind == right.Kind)
        {
            return Outcome.Equal;
        }

        if (fuzzy && right.Kind == TokenKind.End)
        {
            return Outcome.Equal;
        }

        // A pre-release suffix makes the longer version older (1.0_rc1 < 1.0); otherwise the side whose next
        // token kind comes later in the grammar is older, so 1.0 < 1.0-r0 < 1.0_p1 < 1.0a < 1.0.1.
        if (left.Kind == TokenKind.Suffix && left.Suffix < SuffixKind.None)
        {
            return Outcome.Less;
        }

        if (right.Kind == TokenKind.Suffix && right.Suffix < SuffixKind.None)
        {
            return Outcome.Greater;
        }

        return left.Kind > right.Kind ? Outcome.Less : Outcome.Greater;
    }

    // AT3 token_cmp, for two tokens of the same kind.
    private static Outcome CompareTokens(ref ApkVersionTokenReader left, ref ApkVersionTokenReader right)
    {
        switch (left.Kind)
        {
            // Gentoo rule: a component after the first with a leading zero compares as text (1.01 < 1.1).
            case TokenKind.Digit when left.Value[0] == '0' || right.Value[0] == '0':
            case TokenKind.CommitHash:
                return ToOutcome(left.Value.SequenceCompareTo(right.Value));
            case TokenKind.Letter:
                return ToOutcome(left.Value[0].CompareTo(right.Value[0]));
            case TokenKind.Suffix:
                return ToOutcome(((int)left.Suffix).CompareTo((int)right.Suffix));
            default:
                return ToOutcome(left.Number.CompareTo(right.Number));
        }
    }

    private static Outcome ToOutcome(int comparison) => comparison switch
    {
        < 0 => Outcome.Less,
        > 0 => Outcome.Greater,
        _ => Outcome.Equal,
    };
}
