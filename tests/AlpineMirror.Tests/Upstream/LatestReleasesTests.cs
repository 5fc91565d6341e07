using System.Text;
using AlpineMirror.Upstream;

namespace AlpineMirror.Tests.Upstream;

public class LatestReleasesTests
{
    private const string Source = "http://127.0.0.1/alpine/v3.15/releases/x86_64/latest-releases.yaml";

    private static string Excerpt(string arch) =>
        Fixtures.Path("releases", $"v3.13-releases-{arch}-latest-releases.yaml.excerpt");

    [Fact]
    public void Should_read_every_field_of_the_real_x86_excerpt()
    {
        using var yaml = File.OpenRead(Excerpt("x86"));

        var releases = LatestReleases.Parse(yaml, "x86.excerpt");

        Assert.Equal("3.13.5", releases.Version);
        Assert.Equal("x86.excerpt", releases.Source);
        Assert.Equal(
            [
                new ReleaseImage
                {
                    Title = "Mini root filesystem",
                    Branch = "v3.13",
                    Arch = "x86",
                    Version = "3.13.5",
                    Flavor = "alpine-minirootfs",
                    File = "alpine-minirootfs-3.13.5-x86.tar.gz",
                    Iso = "alpine-minirootfs-3.13.5-x86.tar.gz",
                    Date = "2021-04-14",
                    Time = "10:25:51",
                    Size = 2742455,
                    Sha256 = "7144c4b209ba7cf2e7c29eefefd1194a1150b5f34b6854104cf4a3d20b7e3053",
                    Sha512 = "843077403fc3ea031c8c4e2907d707b235890cc6ba7ea6489894ba5559cff04d988b3bad0cdbddfc4ebd5a54fed42a582823ea3f8b4bc2d22cf49c97aca9f70f",
                },
                new ReleaseImage
                {
                    Title = "Virtual",
                    Branch = "v3.13",
                    Arch = "x86",
                    Version = "3.13.5",
                    Flavor = "alpine-virt",
                    File = "alpine-virt-3.13.5-x86.iso",
                    Iso = "alpine-virt-3.13.5-x86.iso",
                    Date = "2021-04-14",
                    Time = "10:30:25",
                    Size = 38797312,
                    Sha256 = "cf7ca3ae1459a2b8e973decd74ae939e70d09e14fdeb8edc6c064d7d27e4ea83",
                    Sha512 = "034954ae76d920067f56fc9275512d9b611887f9806a90040cd85ba6346a4503a9afa16ef8f6a2f950b637371be06ca5a280a6f7632f9d2ba658ea69746afd18",
                },
            ],
            releases.Images);
    }

    [Fact]
    public void Should_read_the_real_aarch64_excerpt()
    {
        var releases = LatestReleases.Parse(File.ReadAllText(Excerpt("aarch64")), "aarch64.excerpt");

        var image = Assert.Single(releases.Images);
        Assert.Equal("3.13.4", releases.Version);
        Assert.Equal("alpine-minirootfs-3.13.4-aarch64.tar.gz", image.File);
        Assert.Equal("aarch64", image.Arch);
        Assert.Equal(2620916, image.Size);
        Assert.Equal("5b359d72aa693d38945c0eb22a0f7a8071071af1914d04f59267230c9a2fe2b5", image.Sha256);
        Assert.Null(image.Description);
        Assert.Null(image.ExtractedSize);
    }

    [Fact]
    public void Should_read_the_same_images_from_bytes_stream_and_string()
    {
        var bytes = File.ReadAllBytes(Excerpt("x86"));

        var fromBytes = LatestReleases.Parse(bytes, Source);
        var fromString = LatestReleases.Parse(File.ReadAllText(Excerpt("x86")), Source);

        Assert.Equal(fromString.Images, fromBytes.Images);
    }

    [Fact]
    public void Should_take_the_highest_version_in_apk_order_not_text_order()
    {
        var yaml = Entry("3.15.9", "alpine-virt-3.15.9-x86_64.iso") + Entry("3.15.10", "alpine-standard-3.15.10-x86_64.iso");

        Assert.Equal("3.15.10", LatestReleases.Parse(yaml, Source).Version);
    }

    [Fact]
    public void Should_accept_edge_prerelease_versions()
    {
        var releases = LatestReleases.Parse(Entry("3.14.0_alpha20210212", "alpine-virt-3.14.0_alpha20210212-x86_64.iso"), Source);

        Assert.Equal("3.14.0_alpha20210212", releases.Version);
    }

    [Fact]
    public void Should_read_description_block_extracted_checksums_and_ignore_unknown_fields()
    {
        var yaml = $"""
            ---
            -
              title: "Raspberry Pi Disk Image"
              desc: |
                Raspberry Pi disk image.
                Runs from RAM.
              branch: v3.15
              arch: aarch64
              version: 3.15.5
              flavor: alpine-rpi
              file: alpine-rpi-3.15.5-aarch64.img.gz
              iso: alpine-rpi-3.15.5-aarch64.img.gz
              date: 2022-07-19
              time: 08:36:57.000000000 +0000
              size: 62914560
              sha1: 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12
              sha256: {new string('A', 64)}
              sha512: {new string('b', 128)}
              extracted_size: 209715200
              extracted_sha256: {new string('c', 64)}
              extracted_sha512: {new string('d', 128)}
            """;

        var image = Assert.Single(LatestReleases.Parse(yaml, Source).Images);

        Assert.Equal("Raspberry Pi disk image.\nRuns from RAM.\n", image.Description);
        Assert.Equal("08:36:57.000000000 +0000", image.Time);
        Assert.Equal(new string('a', 64), image.Sha256);
        Assert.Equal(209715200, image.ExtractedSize);
        Assert.Equal(new string('c', 64), image.ExtractedSha256);
        Assert.Equal(new string('d', 128), image.ExtractedSha512);
    }

    [Fact]
    public void Should_name_the_line_of_badly_indented_yaml_on_one_line()
    {
        const string yaml = """
            ---
            -
              title: "Virtual"
               branch: v3.13
              arch: x86
            """;

        var error = Assert.Throws<ReleaseFormatException>(() => LatestReleases.Parse(yaml, Source));

        Assert.StartsWith($"{Source}: ", error.Message);
        Assert.Contains("line 4, column", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain("Idx:", error.Message);
    }

    [Fact]
    public void Should_reject_entry_without_file()
    {
        var yaml = Entry("3.15.5", "alpine-virt-3.15.5-x86_64.iso") + Entry("3.15.5", "alpine-virt-3.15.5-x86_64.iso").Replace("  file: alpine-virt-3.15.5-x86_64.iso\n", "");

        var error = Assert.Throws<ReleaseFormatException>(() => LatestReleases.Parse(yaml, Source));

        Assert.Equal($"{Source}: entry 2 (line 11): file: expected a value, got nothing", error.Message);
    }

    [Fact]
    public void Should_reject_size_that_is_not_a_number()
    {
        var yaml = Entry("3.15.5", "alpine-virt-3.15.5-x86_64.iso").Replace("size: 1024", "size: abc");

        var error = Assert.Throws<ReleaseFormatException>(() => LatestReleases.Parse(yaml, Source));

        Assert.Equal($"{Source}: entry 1 (line 2): size: expected a whole number of bytes, got 'abc'", error.Message);
    }

    [Theory]
    [InlineData("7144c4b209ba7cf2e7c29eefefd1194a1150b5f34b6854104cf4a3d20b7e305")]
    [InlineData("7144c4b209ba7cf2e7c29eefefd1194a1150b5f34b6854104cf4a3d20b7e3053a")]
    [InlineData("zz44c4b209ba7cf2e7c29eefefd1194a1150b5f34b6854104cf4a3d20b7e3053")]
    public void Should_reject_sha256_that_is_not_64_hex_digits(string sha256)
    {
        var yaml = Entry("3.15.5", "alpine-virt-3.15.5-x86_64.iso").Replace(new string('0', 64), sha256);

        var error = Assert.Throws<ReleaseFormatException>(() => LatestReleases.Parse(yaml, Source));

        Assert.Equal($"{Source}: entry 1 (line 2): sha256: expected 64 hex digits, got '{sha256}'", error.Message);
    }

    [Theory]
    [InlineData("../../main/x86_64/APKINDEX.tar.gz")]
    [InlineData("netboot/vmlinuz-lts")]
    [InlineData("..")]
    public void Should_reject_file_that_is_not_a_plain_name(string file)
    {
        var error = Assert.Throws<ReleaseFormatException>(() => LatestReleases.Parse(Entry("3.15.5", file), Source));

        Assert.Equal($"{Source}: entry 1 (line 2): file: expected a plain file name, got '{file}'", error.Message);
    }

    [Fact]
    public void Should_reject_version_that_apk_cannot_order()
    {
        var error = Assert.Throws<ReleaseFormatException>(() => LatestReleases.Parse(Entry("latest", "alpine-virt.iso"), Source));

        Assert.Equal($"{Source}: entry 1 (line 2): version: expected an Alpine version like 3.15.5, got 'latest'", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("---\n")]
    [InlineData("---\n[]\n")]
    [InlineData("title: not a list\n")]
    public void Should_reject_yaml_without_images(string yaml)
    {
        var error = Assert.Throws<ReleaseFormatException>(() => LatestReleases.Parse(yaml, Source));

        Assert.StartsWith($"{Source}: ", error.Message);
        Assert.Contains("expected", error.Message);
    }

    [Fact]
    public void Should_reject_entry_that_is_not_a_mapping()
    {
        var yaml = Entry("3.15.5", "alpine-virt-3.15.5-x86_64.iso") + "- just text\n";

        var error = Assert.Throws<ReleaseFormatException>(() => LatestReleases.Parse(yaml, Source));

        Assert.StartsWith($"{Source}: entry 2: line 10, column 3: ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Should_reject_field_that_is_a_list_naming_its_position_without_type_noise()
    {
        var yaml = Entry("3.15.5", "[a.iso, b.iso]");

        var error = Assert.Throws<ReleaseFormatException>(() => LatestReleases.Parse(yaml, Source));

        Assert.StartsWith($"{Source}: entry 1: line 6, column 9: ", error.Message);
        Assert.DoesNotContain("PublicKeyToken", error.Message);
    }

    [Theory]
    [InlineData("-\n", "line 10, column 2: expected a mapping of fields, got nothing")]
    [InlineData("- [a.iso]\n", "line 10, column 3: expected a mapping of fields, got a list")]
    public void Should_reject_entry_that_is_empty_or_a_list_naming_what_it_found(string entry, string expected)
    {
        var yaml = Entry("3.15.5", "alpine-virt-3.15.5-x86_64.iso") + entry;

        var error = Assert.Throws<ReleaseFormatException>(() => LatestReleases.Parse(yaml, Source));

        Assert.Equal($"{Source}: entry 2: {expected}", error.Message);
    }

    [Theory]
    [InlineData("  title: {lang: en}\n", "line 19, column 10: title: expected a single value, got a mapping")]
    [InlineData("  sha512:\n    - 1111\n", "line 20, column 5: sha512: expected a single value, got a list")]
    public void Should_reject_known_field_holding_a_list_or_mapping_naming_the_entry_and_field(string field, string expected)
    {
        // Given a second entry whose known field, after its nine lines, holds a collection
        var yaml = Entry("3.15.5", "a.iso") + Entry("3.15.5", "b.iso") + field;

        // When it is parsed
        var error = Assert.Throws<ReleaseFormatException>(() => LatestReleases.Parse(yaml, Source));

        // Then one line names the entry, where the collection starts, and the field
        Assert.Equal($"{Source}: entry 2: {expected}", error.Message);
    }

    [Fact]
    public void Should_skip_unknown_fields_holding_lists_and_mappings()
    {
        // Given fields upstream might add, holding nested collections within the nesting limit
        var yaml = Entry("3.15.5", "a.iso") + """
              mirrors: {primary: [dl-cdn, {host: dl-2, weight: 3}]}
              signatures:
                - key: alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub
                  sha256: [not, a, checksum]
              file_list: []
            """ + "\n" + Entry("3.15.6", "b.iso");

        // When it is parsed
        var releases = LatestReleases.Parse(yaml, Source);

        // Then both images are read and the nested "sha256" did not replace the entry's own
        Assert.Equal(["a.iso", "b.iso"], releases.Images.Select(image => image.File));
        Assert.Equal(new string('0', 64), releases.Images[0].Sha256);
    }

    [Fact]
    public void Should_keep_the_last_value_of_a_repeated_field_as_yamldotnet_did()
    {
        var yaml = Entry("3.15.5", "first.iso") + "  file: last.iso\n";

        var image = Assert.Single(LatestReleases.Parse(yaml, Source).Images);

        Assert.Equal("last.iso", image.File);
    }

    [Theory]
    [InlineData("~")]
    [InlineData("null")]
    [InlineData("")]
    public void Should_read_yaml_null_as_a_missing_field(string nothing)
    {
        var yaml = Entry("3.15.5", "a.iso").Replace("size: 1024", $"size: {nothing}");

        var error = Assert.Throws<ReleaseFormatException>(() => LatestReleases.Parse(yaml, Source));

        Assert.Equal($"{Source}: entry 1 (line 2): size: expected a value, got nothing", error.Message);
    }

    [Fact]
    public void Should_read_quoted_null_as_text()
    {
        var yaml = Entry("3.15.5", "a.iso") + "  title: 'null'\n  flavor: ~\n";

        var image = Assert.Single(LatestReleases.Parse(yaml, Source).Images);

        Assert.Equal("null", image.Title);
        Assert.Null(image.Flavor);
    }

    [Fact]
    public void Should_reject_an_alias_in_place_of_a_field_value()
    {
        // Given an anchored value reused by alias, which upstream never writes
        var yaml = Entry("3.15.5", "a.iso") + "  title: &name Virtual\n  desc: *name\n";

        var error = Assert.Throws<ReleaseFormatException>(() => LatestReleases.Parse(yaml, Source));

        Assert.Equal($"{Source}: entry 1: line 11, column 9: desc: expected a single value, got the alias *name", error.Message);
    }

    [Fact]
    public void Should_reject_a_field_name_that_is_a_list()
    {
        var yaml = Entry("3.15.5", "a.iso") + "  ? [file]\n  : b.iso\n";

        var error = Assert.Throws<ReleaseFormatException>(() => LatestReleases.Parse(yaml, Source));

        Assert.Equal($"{Source}: entry 1: line 10, column 5: expected a field name, got a list", error.Message);
    }

    [Fact]
    public void Should_reject_a_second_yaml_document()
    {
        var yaml = "---\n" + Entry("3.15.5", "a.iso") + "---\n" + Entry("3.15.6", "b.iso");

        var error = Assert.Throws<ReleaseFormatException>(() => LatestReleases.Parse(yaml, Source));

        Assert.Equal($"{Source}: line 11: expected one YAML document, found another", error.Message);
    }

    [Fact]
    public void Should_refuse_deeply_nested_lists_at_once_naming_the_limit()
    {
        // Given 200 KB of nested lists under a field nobody reads, below the size cap: YamlDotNet alone takes minutes on it
        var depth = 100_000;
        var yaml = Entry("3.15.5", "a.iso") + "  unused: " + new string('[', depth) + new string(']', depth) + "\n";
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // When it is parsed
        var error = Assert.Throws<ReleaseFormatException>(() => LatestReleases.Parse(Encoding.UTF8.GetBytes(yaml), Source));

        // Then one line names the nesting limit, and no time was spent on the rest
        Assert.Equal($"{Source}: line 10: nesting: expected at most 8 levels of lists and mappings, got more", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Should_refuse_a_file_larger_than_the_cap_from_bytes_and_from_a_stream()
    {
        // Given a valid list padded with a comment past 256 KiB
        var yaml = Encoding.UTF8.GetBytes(Entry("3.15.5", "a.iso") + "# " + new string('x', LatestReleases.MaxBytes) + "\n");

        // When it is parsed from bytes or from a stream
        var fromBytes = Assert.Throws<ReleaseFormatException>(() => LatestReleases.Parse(yaml, Source));
        var fromStream = Assert.Throws<ReleaseFormatException>(() => LatestReleases.Parse(new MemoryStream(yaml), Source));

        // Then both name the cap
        Assert.Equal($"{Source}: size: expected at most 262144 bytes (real files are a few kilobytes), got {yaml.Length}", fromBytes.Message);
        Assert.Equal($"{Source}: size: expected at most 262144 bytes (real files are a few kilobytes), got more", fromStream.Message);
    }

    [Fact]
    public void Should_read_a_real_sized_file_far_below_the_cap()
    {
        // Given the real excerpts, repeated to a dozen images as a full arch folder lists them
        var excerpt = File.ReadAllText(Excerpt("x86")).Replace("---\n", "");
        var yaml = "---\n" + string.Concat(Enumerable.Repeat(excerpt, 6));

        // When parsed, Then all twelve images are read
        Assert.Equal(12, LatestReleases.Parse(yaml, Source).Images.Count);
        Assert.True(Encoding.UTF8.GetByteCount(yaml) < LatestReleases.MaxBytes / 20);
    }

    // Nine lines per entry: entry 2's "-" is on line 10 and its first field, the line errors name, on line 11.
    private static string Entry(string version, string file) => $"""
        -
          branch: v3.15
          arch: x86_64
          version: {version}
          flavor: alpine-virt
          file: {file}
          size: 1024
          sha256: {new string('0', 64)}
          sha512: {new string('1', 128)}

        """;
}
