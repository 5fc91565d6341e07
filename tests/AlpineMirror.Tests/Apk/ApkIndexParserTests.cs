using AlpineMirror.Apk;

namespace AlpineMirror.Tests.Apk;

public sealed class ApkIndexParserTests
{
    private const string Curl = """
        C:Q1dHNOerPc1tLPEYaP5dYIgzfGdto=
        P:curl
        V:7.83.1-r1
        A:x86_64
        S:136754
        """;

    [Fact]
    public void Should_parse_the_real_plain_text_excerpt()
    {
        // Given the real excerpt holding curl, gvim and strace
        var path = Fixtures.Path("packages", "APKINDEX.excerpt");
        using var reader = File.OpenText(path);

        // When it is parsed
        var entries = ApkIndexParser.Parse(reader, path).ToList();

        // Then curl carries every field apk wrote
        Assert.Equal(["curl", "gvim", "strace"], entries.Select(e => e.Name));
        var curl = entries[0];
        Assert.Equal("Q1dHNOerPc1tLPEYaP5dYIgzfGdto=", curl.Checksum);
        Assert.Equal("7.83.1-r1", curl.Version);
        Assert.Equal("x86_64", curl.Arch);
        Assert.Equal(136754, curl.Size);
        Assert.Equal(262144, curl.InstalledSize);
        Assert.Equal("URL retrival utility and library", curl.Description);
        Assert.Equal("https://curl.se/", curl.Url);
        Assert.Equal("curl", curl.License);
        Assert.Equal("curl", curl.Origin);
        Assert.Equal("Natanael Copa <ncopa@alpinelinux.org>", curl.Maintainer);
        Assert.Equal(1652300833, curl.BuildTime);
        Assert.Equal("9a859c886d12d1659d17a02f5ca58f589e247049", curl.Commit);
        Assert.Equal(["ca-certificates", "so:libc.musl-x86_64.so.1", "so:libcurl.so.4", "so:libz.so.1"], curl.Depends);
        Assert.Equal(["cmd:curl=7.83.1-r1"], curl.Provides);
        Assert.Same(entries[0].Maintainer, entries[1].Maintainer);
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void Should_end_lines_at_crlf_or_a_lone_cr_as_text_readers_do(string newline)
    {
        // Given the real excerpt with its line feeds replaced
        var text = File.ReadAllText(Fixtures.Path("packages", "APKINDEX.excerpt"));
        var expected = ApkIndexParser.Parse(new StringReader(text), "APKINDEX").Select(EntryFields.Of).ToList();
        var replaced = text.Replace("\n", newline, StringComparison.Ordinal);

        // When it is parsed whole and one character per read, so a CR and its LF arrive apart
        var whole = ApkIndexParser.Parse(new StringReader(replaced), "APKINDEX").Select(EntryFields.Of);
        var trickled = ApkIndexParser.Parse(new TricklingReader(replaced), "APKINDEX").Select(EntryFields.Of);

        // Then the records are the same as with line feeds
        Assert.Equal(3, expected.Count);
        Assert.Equal(expected, whole);
        Assert.Equal(expected, trickled);
    }

    [Fact]
    public void Should_read_lines_longer_than_any_read_buffer()
    {
        // Given a record whose description and depends lines run to hundreds of kilobytes, then a second record
        var description = string.Concat(Enumerable.Repeat("long description ", 20_000));
        var depends = string.Join(' ', Enumerable.Range(0, 30_000).Select(i => $"so:lib{i}.so.1"));
        var text = Curl + $"\nT:{description}\nD:{depends}\n\n" + Curl.Replace("curl", "curl-doc", StringComparison.Ordinal) + "\n";

        // When it is parsed
        var entries = ApkIndexParser.Parse(new StringReader(text), "APKINDEX").ToList();

        // Then the long values are whole and the next record follows
        Assert.Equal(["curl", "curl-doc"], entries.Select(e => e.Name));
        Assert.Equal(description, entries[0].Description);
        Assert.Equal(30_000, entries[0].Depends.Count);
        Assert.Equal("so:lib29999.so.1", entries[0].Depends[^1]);
        Assert.Empty(entries[1].Depends);
    }

    [Fact]
    public void Should_produce_each_record_before_reading_the_next()
    {
        // Given a valid record followed by a broken one
        var text = Curl + "\n\nbroken line\n";

        // When only the first entry is taken
        var first = ApkIndexParser.Parse(new StringReader(text), "APKINDEX").First();

        // Then it is returned without the rest being read
        Assert.Equal("curl", first.Name);
        Assert.Throws<ApkFormatException>(() => ApkIndexParser.Parse(new StringReader(text), "APKINDEX").ToList());
    }

    [Fact]
    public void Should_read_optional_fields_and_ignore_unknown_ones()
    {
        // Given a record with priority, install_if, an unknown lower-case field, an unknown upper-case field,
        // an installed-database field, several blank lines and no final newline
        var text = "\n\n" + Curl + "\nk:-5\ni:curl docs\nx:future\nW:future\nF:usr/bin\n\n\n" + Curl.Replace("curl", "curl-doc", StringComparison.Ordinal);

        // When it is parsed
        var entries = ApkIndexParser.Parse(new StringReader(text), "APKINDEX").ToList();

        // Then both records are read and the unknown fields change nothing
        Assert.Equal(2, entries.Count);
        Assert.Equal(-5, entries[0].ProviderPriority);
        Assert.Equal(["curl", "docs"], entries[0].InstallIf);
        Assert.Null(entries[1].ProviderPriority);
        Assert.Equal("curl-doc", entries[1].Name);
    }

    [Theory]
    [InlineData("0.99f7-r0")]
    [InlineData("6.8.0p2-r4")]
    [InlineData("1.2.3_git20240101~abc123-r10")]
    public void Should_accept_odd_versions_that_real_alpine_indexes_carry(string version)
    {
        // Given versions from real v3.16/v3.14 indexes that apk's grammar calls invalid, and a valid hash version
        var text = Curl.Replace("7.83.1-r1", version, StringComparison.Ordinal);

        // When parsed
        var entry = Assert.Single(ApkIndexParser.Parse(new StringReader(text), "APKINDEX"));

        // Then they are kept: apk installs them, so a mirror must carry them
        Assert.Equal(version, entry.Version);
    }

    [Fact]
    public void Should_refuse_a_line_without_colon_in_second_position()
    {
        // Given a record whose fourth line lacks the colon
        var text = Curl.Replace("A:x86_64", "Ax86_64", StringComparison.Ordinal);

        // When parsed
        var error = Assert.Throws<ApkFormatException>(() => ApkIndexParser.Parse(new StringReader(text), "main/x86_64/APKINDEX").ToList());

        // Then the file, line number and line are named
        Assert.Equal("main/x86_64/APKINDEX: line 4: expected \"<field>:<value>\", got \"Ax86_64\"", error.Message);
    }

    [Theory]
    [InlineData("P:curl/../../etc", "P: \"curl/../../etc\" is not a safe name")]
    [InlineData("P:..", "P: \"..\" is not a safe name")]
    [InlineData("P:cu..rl", "P: \"cu..rl\" is not a safe name")]
    [InlineData("P:cu\u0001rl", "P: \"cu\\x01rl\" is not a safe name")]
    [InlineData("P:", "P: \"\" is not a safe name")]
    [InlineData("P:-curl", "P: \"-curl\" is not a safe name")]
    [InlineData("P:curl lib", "P: \"curl lib\" is not a safe name")]
    [InlineData("V:7.83/1", "V: \"7.83/1\" is not a safe version")]
    [InlineData("V:7..83", "V: \"7..83\" is not a safe version")]
    [InlineData("V:7.83\u001b[0m", "V: \"7.83\\x1b[0m\" is not a safe version")]
    [InlineData("V:", "V: \"\" is not a safe version")]
    [InlineData("A:../x86_64", "A: \"../x86_64\" is not a safe name")]
    public void Should_refuse_names_and_versions_unsafe_in_a_path(string line, string expected)
    {
        // Given a record with one unsafe P:, V: or A:
        var field = line[..2];
        var text = string.Join('\n', Curl.Split('\n').Select(l => l.StartsWith(field, StringComparison.Ordinal) ? line : l));

        // When parsed
        var error = Assert.Throws<ApkFormatException>(() => ApkIndexParser.Parse(new StringReader(text), "APKINDEX").ToList());

        // Then the field and its escaped value are named
        Assert.StartsWith("APKINDEX: line ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("C:", "line 7: record (package curl) has no C: field")]
    [InlineData("P:", "line 7: record has no P: field")]
    [InlineData("V:", "line 7: record (package curl) has no V: field")]
    [InlineData("S:", "line 7: record (package curl) has no S: field")]
    public void Should_refuse_a_record_without_an_identity_field(string field, string expected)
    {
        // Given a second record that lacks one of C, P, V, S
        var broken = string.Join('\n', Curl.Split('\n').Where(l => !l.StartsWith(field, StringComparison.Ordinal)));
        var text = Curl.Replace("curl", "curl-dev", StringComparison.Ordinal) + "\n\n" + broken + "\n";

        // When parsed
        var error = Assert.Throws<ApkFormatException>(() => ApkIndexParser.Parse(new StringReader(text), "APKINDEX").ToList());

        // Then the field and the record's first line are named
        Assert.Equal($"APKINDEX: {expected}", error.Message);
    }

    [Theory]
    [InlineData("S:12a", "S: expected a non-negative integer, got \"12a\"")]
    [InlineData("S:-1", "S: expected a non-negative integer, got \"-1\"")]
    [InlineData("S: 12", "S: expected a non-negative integer, got \" 12\"")]
    [InlineData("S:99999999999999999999", "S: expected a non-negative integer")]
    [InlineData("I:big", "I: expected a non-negative integer, got \"big\"")]
    [InlineData("t:yesterday", "t: expected a non-negative integer, got \"yesterday\"")]
    [InlineData("k:high", "k: expected an integer, got \"high\"")]
    [InlineData("P:curl\nP:curl", "P: appears twice in one record")]
    [InlineData("S:1\nS:2", "S: appears twice in one record")]
    public void Should_refuse_malformed_numbers_and_repeated_identity_fields(string lines, string expected)
    {
        // Given a record with a bad numeric or repeated field
        var text = "C:Q1dHNOerPc1tLPEYaP5dYIgzfGdto=\nV:1.0-r0\n" + lines + "\n";

        // When parsed
        var error = Assert.Throws<ApkFormatException>(() => ApkIndexParser.Parse(new StringReader(text), "APKINDEX").ToList());

        // Then the field is named
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("Q1dHNOerPc1tLPEYaP5dYIgzfGdto=")]
    [InlineData("X174d1cde7ab3dcd6d2cf1187d8f97608ccdf1db68")]
    [InlineData("Q2n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=")]
    public void Should_accept_the_checksum_forms_apk_reads(string checksum)
    {
        // Given Q1 (SHA-1 base64, what apk writes), X1 (hex) and Q2 (SHA-256) identities
        var text = Curl.Replace("Q1dHNOerPc1tLPEYaP5dYIgzfGdto=", checksum, StringComparison.Ordinal);

        // When parsed
        var entry = Assert.Single(ApkIndexParser.Parse(new StringReader(text), "APKINDEX"));

        // Then the checksum is kept as written
        Assert.Equal(checksum, entry.Checksum);
    }

    [Theory]
    [InlineData("d41d8cd98f00b204e9800998ecf8427e", "C: MD5 identity \"d41d8cd98f00b204e9800998ecf8427e\" is not supported")]
    [InlineData("Z1dHNOerPc1tLPEYaP5dYIgzfGdto=", "C: unknown checksum format \"Z1dHNOerPc1tLPEYaP5dYIgzfGdto=\"")]
    [InlineData("Q1dHNOerPc1tLPEYaP5dYIgzfGdto", "C: malformed checksum")]
    [InlineData("Q1dHNOerPc1 tLPEYaP5dYIgzfGdto=", "C: malformed checksum")]
    [InlineData("Q1dHNOerPc1tLPEYaP5dYIgzfGdtoAAAA", "C: malformed checksum")]
    [InlineData("", "C: unknown checksum format \"\"")]
    public void Should_refuse_checksums_apk_would_not_match(string checksum, string expected)
    {
        // Given an MD5, an unknown prefix, a short, a padded-with-space and a too-long Q1 identity
        var text = Curl.Replace("Q1dHNOerPc1tLPEYaP5dYIgzfGdto=", checksum, StringComparison.Ordinal);

        // When parsed
        var error = Assert.Throws<ApkFormatException>(() => ApkIndexParser.Parse(new StringReader(text), "APKINDEX").ToList());

        // Then the value and what was expected are named
        Assert.StartsWith($"APKINDEX: line 1: {expected}", error.Message);
    }

    /// <summary>Hands out one character per read, as a slow network stream might.</summary>
    private sealed class TricklingReader(string text) : TextReader
    {
        private int _position;

        public override int Peek() => _position < text.Length ? text[_position] : -1;

        public override int Read() => _position < text.Length ? text[_position++] : -1;

        public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

        public override int Read(Span<char> buffer)
        {
            if (buffer.IsEmpty || _position == text.Length)
            {
                return 0;
            }

            buffer[0] = text[_position++];
            return 1;
        }
    }
}
