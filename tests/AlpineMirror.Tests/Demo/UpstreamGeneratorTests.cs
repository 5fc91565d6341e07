using AlpineMirror.Apk;
using AlpineMirror.Demo;

namespace AlpineMirror.Tests.Demo;

public sealed class UpstreamGeneratorTests
{
    private static IReadOnlyDictionary<string, string> Versions(UpstreamRelease release) =>
        release.Repositories.Values.SelectMany(packages => packages).ToDictionary(package => package.Name, package => package.Version);

    [Fact]
    public void Should_make_a_second_demo_release_that_differs_exactly_in_the_kernels_xen_openssl_and_one_package_swapped()
    {
        // Given the demo's two point releases
        var (first, second) = UpstreamGenerator.Demo();

        // When their package versions are compared by name
        var before = Versions(first);
        var after = Versions(second);
        var updated = before.Keys.Intersect(after.Keys).Where(name => before[name] != after[name]).Order(StringComparer.Ordinal);

        // Then kernels, Xen and OpenSSL moved forward, neofetch went, btop came, and nothing else changed
        Assert.Equal(("v3.15", "3.15.4", "3.15.5"), (first.Branch, first.Version, second.Version));
        Assert.Equal(["libcrypto1.1", "libssl1.1", "linux-lts", "linux-virt", "openssl", "xen", "xen-hypervisor"], updated);
        Assert.All(updated, name => Assert.True(ApkVersion.Compare(after[name], before[name]) > 0, $"{name}: {before[name]} -> {after[name]}"));
        Assert.Equal(("5.15.40-r0", "5.15.41-r0"), (before["linux-lts"], after["linux-lts"]));
        Assert.Equal(("4.15.2-r0", "4.15.2-r1"), (before["xen-hypervisor"], after["xen-hypervisor"]));
        Assert.Equal(["neofetch"], before.Keys.Except(after.Keys));
        Assert.Equal(["btop"], after.Keys.Except(before.Keys));
        Assert.Equal((24, 10), (first.Repositories["main"].Count, first.Repositories["community"].Count));
    }

    [Fact]
    public void Should_give_updated_packages_new_content_and_keep_unchanged_packages_as_they_were()
    {
        // Given the demo's two point releases
        var (first, second) = UpstreamGenerator.Demo();
        var firstMain = first.Repositories["main"].ToDictionary(package => package.Name);
        var secondMain = second.Repositories["main"].ToDictionary(package => package.Name);

        // When the kernel's and busybox's files are compared
        var oldKernel = firstMain["linux-lts"].Files.Select(file => file.Path);
        var newKernel = secondMain["linux-lts"].Files.Select(file => file.Path);

        // Then the kernel's modules folder names the new kernel release, and busybox is the very same spec
        Assert.Contains("lib/modules/5.15.40-0-lts/modules.dep", oldKernel);
        Assert.Contains("lib/modules/5.15.41-0-lts/modules.dep", newKernel);
        Assert.True(secondMain["linux-lts"].BuildTime > firstMain["linux-lts"].BuildTime);
        Assert.Same(firstMain["busybox"], secondMain["busybox"]);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(10)]
    [InlineData(1001)]
    public void Should_make_the_requested_number_of_synthetic_packages_with_unique_names(int count)
    {
        // When a synthetic release is generated
        var release = UpstreamGenerator.Synthetic(count, 4096, seed: 1);

        // Then it holds exactly that many packages, uniquely named, with the kernel and Xen packages first in main
        var names = release.Repositories.Values.SelectMany(packages => packages).Select(package => package.Name).ToList();
        Assert.Equal(count, release.PackageCount);
        Assert.Equal(count, names.Distinct().Count());
        Assert.Equal(["linux-lts", "linux-virt", "xen", "xen-hypervisor"], release.Repositories["main"].Take(4).Select(package => package.Name));
        Assert.All(names, name => Assert.Matches("^[a-z0-9][a-z0-9.+_-]*$", name));
    }

    [Fact]
    public void Should_make_the_same_release_for_the_same_seed_and_another_for_another_seed()
    {
        // When synthetic releases are generated twice with one seed and once with another
        static string[] Identities(UpstreamRelease release) =>
            [.. release.Repositories.OrderBy(pair => pair.Key).SelectMany(pair => pair.Value).Select(package => $"{package.Name}-{package.Version}")];
        var once = UpstreamGenerator.Synthetic(300, 4096, seed: 5);
        var again = UpstreamGenerator.Synthetic(300, 4096, seed: 5);
        var other = UpstreamGenerator.Synthetic(300, 4096, seed: 6);

        // Then the first two list the same packages with the same bytes, and the third differs
        Assert.Equal(Identities(once), Identities(again));
        Assert.NotEqual(Identities(once), Identities(other));
        var content = once.Repositories["community"].Zip(again.Repositories["community"],
            (a, b) => a.Files.Zip(b.Files).All(pair => pair.First.Content.Span.SequenceEqual(pair.Second.Content.Span)));
        Assert.All(content, Assert.True);
    }

    [Fact]
    public void Should_change_the_requested_share_of_each_repository_in_the_next_release()
    {
        // Given a synthetic release of 400 packages: 100 in main, 300 in community
        var release = UpstreamGenerator.Synthetic(400, 4096, seed: 3);

        // When the next release changes 5 %
        var next = release.WithChanges(0.05, seed: 9);

        // Then per repository 5 % are updated to a higher version, 0.5 % removed and as many added, the boot packages always updated
        Assert.Equal(("3.15.5", release.ReleasedAt.AddDays(30)), (next.Version, next.ReleasedAt));
        foreach (var (repository, expectedUpdated, expectedReplaced) in new[] { ("main", 5, 1), ("community", 15, 2) })
        {
            var before = release.Repositories[repository].ToDictionary(package => package.Name, package => package.Version);
            var after = next.Repositories[repository].ToDictionary(package => package.Name, package => package.Version);
            var updated = before.Keys.Intersect(after.Keys).Where(name => before[name] != after[name]).ToList();
            Assert.Equal(expectedUpdated, updated.Count);
            Assert.All(updated, name => Assert.True(ApkVersion.Compare(after[name], before[name]) > 0, $"{name}: {before[name]} -> {after[name]}"));
            Assert.Equal(expectedReplaced, before.Keys.Except(after.Keys).Count());
            Assert.Equal(expectedReplaced, after.Keys.Except(before.Keys).Count());
        }

        var main = next.Repositories["main"].ToDictionary(package => package.Name, package => package.Version);
        Assert.Equal(["5.15.41-r0", "5.15.41-r0", "4.15.3-r0", "4.15.3-r0"], new[] { "linux-lts", "linux-virt", "xen", "xen-hypervisor" }.Select(name => main[name]));
    }

    [Fact]
    public void Should_change_nothing_but_the_version_and_date_with_a_zero_share()
    {
        // Given a synthetic release
        var release = UpstreamGenerator.Synthetic(50, 4096, seed: 3);

        // When the next release changes nothing
        var next = release.WithChanges(0, seed: 9);

        // Then every package is the same spec
        Assert.Equal("3.15.5", next.Version);
        foreach (var (repository, packages) in release.Repositories)
        {
            Assert.Equal(packages.Count, next.Repositories[repository].Count);
            Assert.All(packages.Zip(next.Repositories[repository]), pair => Assert.Same(pair.First, pair.Second));
        }
    }

    [Theory]
    [InlineData(3, 4096)]
    [InlineData(10, 100)]
    [InlineData(10, 2_000_000)]
    public void Should_refuse_counts_and_sizes_it_cannot_make(int count, int bytes)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => UpstreamGenerator.Synthetic(count, bytes, seed: 1));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Should_refuse_a_share_outside_zero_to_one(double share)
    {
        var release = UpstreamGenerator.Synthetic(10, 4096, seed: 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => release.WithChanges(share, seed: 1));
    }
}
