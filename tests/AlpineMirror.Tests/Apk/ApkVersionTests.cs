using System.Formats.Tar;
using System.IO.Compression;
using AlpineMirror.Apk;

namespace AlpineMirror.Tests.Apk;

public sealed class ApkVersionTests
{
    // apk-tools 3 (master) test vectors; the 2.14 file is the first 733 lines of this one.
    private static readonly string VersionData =
        Fixtures.Path("extra", "alpinelinux__apk-tools", "master", "test", "unit", "version.data");

    private static readonly string Alpine322Index = Fixtures.Path("alpine-v3.22-main-x86_64", "APKINDEX.tar.gz");

    [Fact]
    public void Should_agree_with_every_line_of_apk_tools_version_data()
    {
        // Given apk-tools' own test vectors
        var checkedLines = 0;
        var failures = new List<string>();

        // When every line is checked the way test/unit/version_test.c checks it
        var lineNumber = 0;
        foreach (var line in File.ReadLines(VersionData))
        {
            lineNumber++;
            var text = line.Split('#', 2)[0].Trim();
            if (text.Length == 0)
            {
                continue;
            }

            checkedLines++;
            if (!VersionDataLineHolds(text))
            {
                failures.Add($"version.data:{lineNumber}: {text}");
            }
        }

        // Then all of them hold
        Assert.True(checkedLines > 700, $"only {checkedLines} lines checked in {VersionData}");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Theory]
    // numbers
    [InlineData("1", "2")]
    [InlineData("1.9", "1.10")]
    [InlineData("1.2.3", "1.2.4")]
    [InlineData("1.2", "1.2.0")]
    [InlineData("1.2.9", "1.3")]
    [InlineData("9", "10.0")]
    [InlineData("2.31", "2.31.1")]
    [InlineData("0.0.1", "0.1")]
    [InlineData("20240101", "20240102")]
    [InlineData("18446744073709551614", "18446744073709551615")]
    // letters come after a bare number but before a further component
    [InlineData("1.0", "1.0a")]
    [InlineData("1.0a", "1.0b")]
    [InlineData("1.0a", "1.0.1")]
    [InlineData("9100h", "9100i")]
    [InlineData("1.0z", "1.1")]
    // suffixes: alpha < beta < pre < rc < (none) < cvs < svn < git < hg < p
    [InlineData("1.0_alpha", "1.0_beta")]
    [InlineData("1.0_beta", "1.0_pre")]
    [InlineData("1.0_pre", "1.0_rc")]
    [InlineData("1.0_rc", "1.0")]
    [InlineData("1.0", "1.0_cvs")]
    [InlineData("1.0_cvs", "1.0_svn")]
    [InlineData("1.0_svn", "1.0_git")]
    [InlineData("1.0_git", "1.0_hg")]
    [InlineData("1.0_hg", "1.0_p")]
    [InlineData("1.0_alpha1", "1.0_alpha2")]
    [InlineData("1.0_alpha9", "1.0_alpha10")]
    [InlineData("1.0_alpha", "1.0_alpha1")]
    [InlineData("1.0_rc9", "1.0")]
    [InlineData("1.0_p9", "1.0_p10")]
    [InlineData("1.0_p1", "1.0a")]
    [InlineData("1.0_p1", "1.0.1")]
    [InlineData("1.0_alpha_pre2", "1.0_alpha")]
    [InlineData("1.0_git20240101", "1.0_git20240102")]
    [InlineData("1.0_rc1", "1.0_rc1_p1")]
    // revisions
    [InlineData("1.0", "1.0-r0")]
    [InlineData("1.0-r0", "1.0-r1")]
    [InlineData("1.0-r9", "1.0-r10")]
    [InlineData("1.0-r99", "1.0.1-r0")]
    [InlineData("1.0-r1", "1.0_p1")]
    [InlineData("1.0_rc1-r5", "1.0-r0")]
    [InlineData("1.0a-r3", "1.0b-r0")]
    // leading zeros in later components compare as text (Gentoo rule); the first component stays numeric
    [InlineData("1.01", "1.1")]
    [InlineData("1.010", "1.02")]
    [InlineData("1.0", "1.00")]
    [InlineData("8.2.0", "8.2.001")]
    [InlineData("8.2.0015", "8.2.002")]
    [InlineData("1.001", "1.01")]
    [InlineData("2024.01.05", "2024.1.5")]
    // commit hashes compare as text; a bare hash is newer than a revision, older than a suffix
    [InlineData("1.0~1234", "1.0~2345")]
    [InlineData("1.0~abc", "1.0~abcd")]
    [InlineData("1.0~ff", "1.0~fff")]
    [InlineData("1.0~1234-r1", "1.0~2345-r0")]
    [InlineData("1.0~1234-r0", "1.0~1234-r1")]
    [InlineData("1.0", "1.0~0")]
    [InlineData("1.0-r0", "1.0~0")]
    [InlineData("1.0~ff", "1.0_p1")]
    [InlineData("1.0_p1-r0", "1.0_p1~abc")]
    [InlineData("1.0_rc1~abc", "1.0")]
    // invalid tails: comparison stops at the first bad token, and an invalid token counts as older than the end
    [InlineData("1.0", "1.0bc")]
    [InlineData("1.0_foo", "1.0")]
    [InlineData("1.0-x", "1.0")]
    [InlineData("1.0_foo", "1.0-r0")]
    [InlineData("4_beta", "23_foo")]
    public void Should_order_older_before_newer(string older, string newer)
    {
        // Given two versions where the first is older
        // When they are compared both ways
        var forward = ApkVersion.Compare(older, newer);
        var backward = ApkVersion.Compare(newer, older);

        // Then the order holds and is antisymmetric
        Assert.True(forward < 0, $"expected {older} < {newer}, got {forward}");
        Assert.True(backward > 0, $"expected {newer} > {older}, got {backward}");
    }

    [Theory]
    [InlineData("1.0", "1.0")]
    [InlineData("1.0-r0", "1.0-r0")]
    [InlineData("01", "1")]
    [InlineData("007.1", "7.1")]
    [InlineData("1.0_p01", "1.0_p1")]
    [InlineData("1.0-r01", "1.0-r1")]
    [InlineData("1.0_alpha0", "1.0_alpha00")]
    [InlineData("1.0~abc", "1.0~abc")]
    // invalid versions stopping at the same place are equal
    [InlineData("a", "b")]
    [InlineData("", "")]
    [InlineData("1.0_foo", "1.0_bar")]
    [InlineData("1.0-x", "1.0-y")]
    public void Should_treat_versions_as_equal(string a, string b)
    {
        // Given two versions apk considers equal
        // When they are compared both ways
        // Then both directions give zero
        Assert.Equal(0, ApkVersion.Compare(a, b));
        Assert.Equal(0, ApkVersion.Compare(b, a));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("1.2")]
    [InlineData("1.2.3.4.5.6")]
    [InlineData("01.02")]
    [InlineData("1.0a")]
    [InlineData("9100h-r4")]
    [InlineData("1.0_alpha")]
    [InlineData("1.0_beta2")]
    [InlineData("1.0_pre3")]
    [InlineData("1.0_rc4")]
    [InlineData("1.0_cvs")]
    [InlineData("1.0_svn5")]
    [InlineData("1.0_git20240101")]
    [InlineData("1.0_hg6")]
    [InlineData("1.0_p7")]
    [InlineData("1.0a_p1")]
    [InlineData("1.0_p1_pre2")]
    [InlineData("1.0_alpha1_beta2_rc3")]
    [InlineData("1.0~0123456789abcdef")]
    [InlineData("1.0_p1~abc-r2")]
    [InlineData("1.0a~abc")]
    [InlineData("1~f")]
    [InlineData("0-r1")]
    [InlineData("10.2.3-r100")]
    [InlineData("0.0.0_git20210122-r0")]
    [InlineData("0.20240527.191746-r2")]
    [InlineData("1.0.0_pre20191002222144-r0")]
    [InlineData("99999999999999999999999")]
    public void Should_accept_valid_version(string version)
    {
        // Given a version in apk's grammar
        // When it is validated
        // Then it is accepted
        Assert.True(ApkVersion.IsValid(version), version);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData(".1")]
    [InlineData("_pre1")]
    [InlineData("-r1")]
    [InlineData("v1.0")]
    [InlineData(" 1.0")]
    [InlineData("1.0 ")]
    [InlineData("1.")]
    [InlineData("1..2")]
    [InlineData("1.0bc")]
    [InlineData("1.0a1")]
    [InlineData("1.0a.1")]
    [InlineData("1.0A")]
    [InlineData("1.0_")]
    [InlineData("1.0__alpha")]
    [InlineData("1.0_1_alpha")]
    [InlineData("1.0_foo")]
    [InlineData("1.0_post1")]
    [InlineData("1.0_prerelease")]
    [InlineData("1.0_ALPHA")]
    [InlineData("1.0_alpha.1")]
    [InlineData("1.0_p1a")]
    [InlineData("1.0~")]
    [InlineData("1.0~xyz")]
    [InlineData("1.0~ABC")]
    [InlineData("1.0~abc_p1")]
    [InlineData("1.0~abc~def")]
    [InlineData("1.0~abc.1")]
    [InlineData("1.0-")]
    [InlineData("1.0-r")]
    [InlineData("1.0-rc1")]
    [InlineData("1.0-1")]
    [InlineData("1.2.0-1")]
    [InlineData("1.0-pre1.1")]
    [InlineData("1.0-r1~abc")]
    [InlineData("1.0-r1-r2")]
    [InlineData("1.0-r1.1")]
    [InlineData("1.0-r1_p1")]
    [InlineData("1.0-r1a")]
    [InlineData("1.0+1")]
    [InlineData("1:1.0")]
    [InlineData("١.٠")]
    public void Should_reject_invalid_version(string version)
    {
        // Given a string outside apk's grammar
        // When it is validated
        // Then it is rejected
        Assert.False(ApkVersion.IsValid(version), version);
    }

    [Theory]
    [InlineData("3.6", "3.6", true)]
    [InlineData("3.6.0", "3.6", true)]
    [InlineData("3.6.9-r3", "3.6", true)]
    [InlineData("3.6_pre1", "3.6", true)]
    [InlineData("3.6.9_post1", "3.6", true)]
    [InlineData("3.12.4-r0", "3.12", true)]
    [InlineData("3.6-r1", "3.6-r1", true)]
    [InlineData("3.6", "3.6.0", false)]
    [InlineData("3.8", "3.8.1", false)]
    [InlineData("3.60", "3.6", false)]
    [InlineData("3.5.9", "3.6", false)]
    [InlineData("3.6a", "3.6b", false)]
    [InlineData("3.6-r1", "3.6-r2", false)]
    public void Should_match_fuzzy_prefix_only_when_prefix_ends_first(string version, string prefix, bool expected)
    {
        // Given a version and a "~" dependency prefix
        // When they are fuzzily matched
        // Then they match exactly when the version equals the prefix token for token until the prefix ends
        Assert.Equal(expected, ApkVersion.FuzzyMatches(version, prefix));
    }

    [Theory]
    [InlineData("1.0", "<", "1.1", true)]
    [InlineData("1.1", "<", "1.1", false)]
    [InlineData("1.1", "<=", "1.1", true)]
    [InlineData("1.2", "<=", "1.1", false)]
    [InlineData("1.1-r0", "=", "1.1-r0", true)]
    [InlineData("1.1-r1", "=", "1.1-r0", false)]
    [InlineData("1.1.0", "=", "1.1", false)]
    [InlineData("1.1", ">=", "1.1", true)]
    [InlineData("1.0", ">=", "1.1", false)]
    [InlineData("1.2", ">", "1.1", true)]
    [InlineData("1.1_p1", ">", "1.1", true)]
    [InlineData("1.1_rc1", ">", "1.1", false)]
    [InlineData("3.12.4-r0", "~", "3.12", true)]
    [InlineData("3.13.0", "~", "3.12", false)]
    [InlineData("3.5", "<~", "3.6", true)]
    [InlineData("3.6.4", "<~", "3.6", true)]
    [InlineData("3.7", "<~", "3.6", false)]
    [InlineData("3.7", ">~", "3.6", true)]
    [InlineData("3.6.4", ">~", "3.6", true)]
    [InlineData("3.5.9", ">~", "3.6", false)]
    public void Should_evaluate_dependency_operators(string version, string op, string other, bool expected)
    {
        // Given a version, an apk dependency operator and the version it names
        // When the constraint is evaluated
        // Then the result is apk's
        Assert.Equal(expected, ApkVersion.Satisfies(version, op, other));
    }

    [Theory]
    [InlineData("")]
    [InlineData("==")]
    [InlineData("=<")]
    [InlineData("><")]
    [InlineData("!=")]
    [InlineData("!~")]
    [InlineData("~=")]
    public void Should_reject_unknown_operator_naming_it(string op)
    {
        // Given an operator apk dependencies do not use
        // When a constraint with it is evaluated
        var error = Assert.Throws<ArgumentException>(() => ApkVersion.Satisfies("1.0", op, "1.0"));

        // Then the error quotes the operator
        Assert.Contains($"'{op}'", error.Message);
    }

    [Fact]
    public void Should_reject_null_arguments()
    {
        // Given a missing version
        // When any operation receives it
        // Then it is refused as a programming error rather than ordered
        Assert.Throws<ArgumentNullException>(() => ApkVersion.Compare(null!, "1"));
        Assert.Throws<ArgumentNullException>(() => ApkVersion.Compare("1", null!));
        Assert.Throws<ArgumentNullException>(() => ApkVersion.IsValid(null!));
        Assert.Throws<ArgumentNullException>(() => ApkVersion.FuzzyMatches(null!, "1"));
        Assert.Throws<ArgumentNullException>(() => ApkVersion.Satisfies("1", null!, "1"));
    }

    [Fact]
    public void Should_accept_every_version_in_a_real_alpine_index()
    {
        // Given the real Alpine v3.22 main x86_64 index
        var versions = ReadIndexFields(Alpine322Index, 'V').ToList();

        // When each package version is validated
        var invalid = versions.Where(version => !ApkVersion.IsValid(version)).ToList();

        // Then all of Alpine's versions are in apk's grammar
        Assert.True(versions.Count > 5000, $"only {versions.Count} versions read from {Alpine322Index}");
        Assert.Empty(invalid);
    }

    [Fact]
    public void Should_satisfy_versioned_dependencies_between_packages_of_a_real_alpine_index()
    {
        // Given the real Alpine v3.22 main x86_64 index, which Alpine built to be installable
        var entries = ReadIndexEntries(Alpine322Index);
        var versionOf = entries.ToDictionary(entry => entry.Name, entry => entry.Version);

        // When every versioned "D:" dependency on another package of the index is evaluated
        var evaluated = 0;
        var unsatisfied = new List<string>();
        foreach (var (name, version, dependencies) in entries)
        {
            foreach (var dependency in dependencies)
            {
                if (!TrySplitConstraint(dependency, out var target, out var op, out var wanted)
                    || !versionOf.TryGetValue(target, out var available))
                {
                    continue;
                }

                evaluated++;
                if (!ApkVersion.Satisfies(available, op, wanted))
                {
                    unsatisfied.Add($"{name}-{version} depends on {dependency}, index has {target}-{available}");
                }
            }
        }

        // Then every one holds
        Assert.True(evaluated > 1000, $"only {evaluated} versioned dependencies evaluated");
        Assert.True(unsatisfied.Count == 0, string.Join(Environment.NewLine, unsatisfied));
    }

    [Fact]
    public void Should_sort_real_alpine_versions_into_a_total_order()
    {
        // Given every distinct version in a real Alpine index
        var versions = ReadIndexFields(Alpine322Index, 'V').Distinct().ToList();

        // When they are sorted with apk's order
        versions.Sort(ApkVersion.Compare);

        // Then every version is no newer than every later one (a comparer that is not transitive fails here)
        for (var i = 0; i < versions.Count; i++)
        {
            for (var j = i + 1; j < versions.Count; j++)
            {
                if (ApkVersion.Compare(versions[i], versions[j]) > 0)
                {
                    Assert.Fail($"{versions[i]} sorted before {versions[j]} but compares newer");
                }
            }
        }
    }

    [Fact]
    public void Should_compare_without_allocating()
    {
        // Given versions that exercise every token kind, the text-compared digits and the invalid path
        string[] versions = ["1.2.3", "1.2.03", "1.2.3a_rc1~abc-r2", "1.2.3a_p1-r0", "1.2.3_foo", "10.0_git20240101"];
        foreach (var version in versions)
        {
            ApkVersion.Compare(version, versions[0]);
            ApkVersion.Satisfies(version, "~", versions[0]);
            ApkVersion.IsValid(version);
        }

        // When they are compared many times over, in three measured passes: the runtime itself may allocate on this
        // thread once while it promotes these methods to optimised code, which a real allocation per compare never
        // lets a whole pass escape
        var fewest = long.MaxValue;
        for (var pass = 0; pass < 3 && fewest != 0; pass++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var round = 0; round < 1000; round++)
            {
                foreach (var a in versions)
                {
                    foreach (var b in versions)
                    {
                        ApkVersion.Compare(a, b);
                        ApkVersion.Satisfies(a, ">=", b);
                        ApkVersion.FuzzyMatches(a, b);
                    }

                    ApkVersion.IsValid(a);
                }
            }

            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        // Then a whole pass allocates no managed memory, so sorting thousands of index entries produces no garbage
        Assert.Equal(0, fewest);
    }

    // Mirrors test/unit/version_test.c: "ver", "!ver", "a op b", "a !op b".
    private static bool VersionDataLineHolds(string text)
    {
        var parts = text.Split(' ', 3);
        if (parts.Length == 3)
        {
            var (op, invert) = parts[1].StartsWith('!') ? (parts[1][1..], true) : (parts[1], false);
            return ApkVersion.Satisfies(parts[0], op, parts[2]) != invert;
        }

        return text.StartsWith('!') ? !ApkVersion.IsValid(text[1..]) : ApkVersion.IsValid(text);
    }

    private static bool TrySplitConstraint(string dependency, out string name, out string op, out string version)
    {
        name = op = version = "";
        if (dependency.StartsWith('!'))
        {
            return false;
        }

        var opStart = dependency.IndexOfAny(['<', '>', '=', '~']);
        if (opStart <= 0)
        {
            return false;
        }

        var versionStart = opStart;
        while (versionStart < dependency.Length && dependency[versionStart] is '<' or '>' or '=' or '~')
        {
            versionStart++;
        }

        name = dependency[..opStart];
        op = dependency[opStart..versionStart];
        version = dependency[versionStart..];
        return true;
    }

    private static List<(string Name, string Version, string[] Dependencies)> ReadIndexEntries(string indexPath)
    {
        var entries = new List<(string, string, string[])>();
        string? name = null, version = null;
        var dependencies = Array.Empty<string>();
        foreach (var line in ReadIndexLines(indexPath))
        {
            if (line.Length == 0)
            {
                if (name is not null && version is not null)
                {
                    entries.Add((name, version, dependencies));
                }

                (name, version, dependencies) = (null, null, []);
                continue;
            }

            switch (line[0])
            {
                case 'P': name = line[2..]; break;
                case 'V': version = line[2..]; break;
                case 'D': dependencies = line[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries); break;
            }
        }

        if (name is not null && version is not null)
        {
            entries.Add((name, version, dependencies));
        }

        return entries;
    }

    private static IEnumerable<string> ReadIndexFields(string indexPath, char field) =>
        ReadIndexLines(indexPath).Where(line => line.Length > 2 && line[0] == field && line[1] == ':')
            .Select(line => line[2..]);

    // The signature tar is "cut" (no end blocks), so both gzip members read as one tar stream.
    private static IEnumerable<string> ReadIndexLines(string indexPath)
    {
        using var file = File.OpenRead(indexPath);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.Name != "APKINDEX" || entry.DataStream is null)
            {
                continue;
            }

            using var reader = new StreamReader(entry.DataStream);
            while (reader.ReadLine() is { } line)
            {
                yield return line;
            }

            yield break;
        }

        throw new InvalidDataException($"{indexPath}: no APKINDEX entry");
    }
}
