using AlpineMirror.Apk;
using AlpineMirror.Configuration;
using AlpineMirror.Upstream;

namespace AlpineMirror.Tests.Upstream;

public class UpstreamLayoutTests
{
    private readonly UpstreamLayout _cdn = new("v3.15");

    [Fact]
    public void Should_build_index_url_on_the_official_cdn_by_default()
    {
        Assert.Equal(
            "https://dl-cdn.alpinelinux.org/alpine/v3.15/main/x86_64/APKINDEX.tar.gz",
            _cdn.IndexUri("main", "x86_64").AbsoluteUri);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/mirror/alpine")]
    [InlineData("http://127.0.0.1:8080/mirror/alpine/")]
    public void Should_keep_the_last_base_segment_with_or_without_trailing_slash(string baseUri)
    {
        var layout = new UpstreamLayout(new Uri(baseUri), "edge");

        Assert.Equal(new Uri("http://127.0.0.1:8080/mirror/alpine/"), layout.BaseUri);
        Assert.Equal(
            "http://127.0.0.1:8080/mirror/alpine/edge/community/aarch64/APKINDEX.tar.gz",
            layout.IndexUri("community", "aarch64").AbsoluteUri);
    }

    [Fact]
    public void Should_build_release_urls_below_the_branch()
    {
        Assert.Equal("https://dl-cdn.alpinelinux.org/alpine/v3.15/releases/x86_64/", _cdn.ReleasesUri("x86_64").AbsoluteUri);
        Assert.Equal(
            "https://dl-cdn.alpinelinux.org/alpine/v3.15/releases/x86_64/latest-releases.yaml",
            _cdn.LatestReleasesUri("x86_64").AbsoluteUri);
        Assert.Equal(
            "https://dl-cdn.alpinelinux.org/alpine/v3.15/releases/x86_64/netboot-3.15.5/vmlinuz-lts",
            _cdn.ReleaseFileUri("x86_64", "netboot-3.15.5/vmlinuz-lts").AbsoluteUri);
        Assert.Equal("https://dl-cdn.alpinelinux.org/alpine/v3.15/", _cdn.BranchUri.AbsoluteUri);
    }

    [Fact]
    public void Should_keep_plus_signs_literal_and_escape_what_a_path_cannot_hold()
    {
        Assert.Equal(
            "https://dl-cdn.alpinelinux.org/alpine/v3.15/main/x86_64/libstdc++-10.3.1_git20211027-r0.apk",
            _cdn.PackageUri("main", "x86_64", "libstdc++-10.3.1_git20211027-r0.apk").AbsoluteUri);
        Assert.Equal(
            "https://dl-cdn.alpinelinux.org/alpine/v3.15/main/x86_64/odd%20name%23%3F%25-1.0-r0.apk",
            _cdn.PackageUri("main", "x86_64", "odd name#?%-1.0-r0.apk").AbsoluteUri);
    }

    [Fact]
    public void Should_give_snapshot_paths_that_mirror_the_branch_tree()
    {
        Assert.Equal("main/x86_64", UpstreamLayout.RepositoryPath("main", "x86_64"));
        Assert.Equal("main/x86_64/APKINDEX.tar.gz", UpstreamLayout.IndexPath("main", "x86_64"));
        Assert.Equal("community/x86_64/strace-5.17-r0.apk", UpstreamLayout.PackagePath("community", "x86_64", "strace-5.17-r0.apk"));
        Assert.Equal("releases/x86_64", UpstreamLayout.ReleasesPath("x86_64"));
        Assert.Equal("releases/x86_64/latest-releases.yaml", UpstreamLayout.LatestReleasesPath("x86_64"));
        Assert.Equal("releases/x86_64/netboot/initramfs-lts", UpstreamLayout.ReleaseFilePath("x86_64", "netboot/initramfs-lts"));

        // The URL below the branch and the snapshot path are the same string.
        var uri = _cdn.PackageUri("main", "x86_64", "strace-5.17-r0.apk");
        Assert.Equal(_cdn.BranchUri.AbsoluteUri + UpstreamLayout.PackagePath("main", "x86_64", "strace-5.17-r0.apk"), uri.AbsoluteUri);
    }

    [Theory]
    [InlineData("v3.15")]
    [InlineData("v3.9")]
    [InlineData("v10.123")]
    [InlineData("edge")]
    [InlineData("latest-stable")]
    public void Should_accept_upstream_branch_names(string branch)
    {
        Assert.Equal(branch, new UpstreamLayout(branch).Branch);
    }

    [Theory]
    [InlineData("3.15")]
    [InlineData("v3")]
    [InlineData("V3.15")]
    [InlineData("v3.15.5")]
    [InlineData("edge/")]
    [InlineData("v3.15\n")]
    [InlineData("")]
    public void Should_reject_branch_that_upstream_does_not_publish(string branch)
    {
        var error = Assert.Throws<ConfigurationException>(() => new UpstreamLayout(branch));

        Assert.StartsWith("branch: expected vX.Y, edge or latest-stable, got '", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("ftp://dl-cdn.alpinelinux.org/alpine")]
    [InlineData("file:///srv/alpine")]
    [InlineData("https://dl-cdn.alpinelinux.org/alpine?x=1")]
    public void Should_reject_base_uri_that_is_not_plain_http(string baseUri)
    {
        var error = Assert.Throws<ConfigurationException>(() => new UpstreamLayout(new Uri(baseUri), "v3.15"));

        Assert.StartsWith("upstream: expected ", error.Message);
        Assert.Contains(baseUri, error.Message);
    }

    [Fact]
    public void Should_reject_relative_base_uri()
    {
        Assert.Throws<ConfigurationException>(() => new UpstreamLayout(new Uri("alpine", UriKind.Relative), "v3.15"));
    }

    [Theory]
    [InlineData("Main", "x86_64", "repository")]
    [InlineData("../main", "x86_64", "repository")]
    [InlineData("", "x86_64", "repository")]
    [InlineData("main", "x86-64", "arch")]
    [InlineData("main", "x86_64/..", "arch")]
    public void Should_reject_repository_or_arch_outside_lowercase_names(string repository, string arch, string field)
    {
        var error = Assert.Throws<ConfigurationException>(() => _cdn.IndexUri(repository, arch));

        Assert.StartsWith($"{field}: expected lower-case letters, digits and '_', got '", error.Message);
    }

    [Theory]
    [InlineData("../../../etc/passwd")]
    [InlineData("sub/strace-5.17-r0.apk")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("back\\slash.apk")]
    [InlineData("strace\n-5.17-r0.apk")]
    public void Should_reject_package_file_name_that_leaves_its_folder(string fileName)
    {
        var error = Assert.Throws<ApkFormatException>(() => _cdn.PackageUri("main", "x86_64", fileName));

        Assert.StartsWith("main/x86_64/APKINDEX.tar.gz: package file name: expected a plain file name, got '", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("netboot/../../../main/x86_64/APKINDEX.tar.gz")]
    [InlineData("/etc/passwd")]
    [InlineData("netboot//vmlinuz-lts")]
    [InlineData("netboot/")]
    public void Should_reject_release_path_with_empty_or_climbing_segments(string relativePath)
    {
        var error = Assert.Throws<ReleaseFormatException>(() => _cdn.ReleaseFileUri("x86_64", relativePath));

        Assert.Equal($"releases/x86_64/: release file path: expected file names separated by '/', got '{relativePath}'", error.Message);
    }

    [Fact]
    public void Should_compare_layouts_by_value()
    {
        Assert.Equal(
            new UpstreamLayout(new Uri("http://127.0.0.1/alpine"), "v3.15"),
            new UpstreamLayout(new Uri("http://127.0.0.1/alpine/"), "v3.15"));
    }
}
