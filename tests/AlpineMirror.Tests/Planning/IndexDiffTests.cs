using AlpineMirror.Apk;
using AlpineMirror.Planning;

namespace AlpineMirror.Tests.Planning;

public sealed class IndexDiffTests
{
    private const string Identity = "Q1dHNOerPc1tLPEYaP5dYIgzfGdto=";
    private const string OtherIdentity = "Q18y9jy9MgtvQFXTntDQ3if2axAkk=";

    private static ApkIndexEntry Entry(string name, string version, string checksum = Identity) => new()
    {
        Checksum = checksum,
        Name = name,
        Version = version,
        Arch = "x86_64",
        Size = 1000,
    };

    [Fact]
    public void Should_sort_packages_into_added_updated_removed_and_unchanged()
    {
        // Given a kept, an upgraded, a rebuilt (same file, new identity), a new and a dropped package
        var keptBefore = Entry("curl", "7.83.1-r1");
        var upgradedBefore = Entry("strace", "5.17-r0");
        var rebuiltBefore = Entry("gvim", "8.2.5000-r0");
        var dropped = Entry("vim-doc", "8.2.5000-r0");
        var keptAfter = Entry("curl", "7.83.1-r1");
        var upgradedAfter = Entry("strace", "5.18-r0");
        var rebuiltAfter = Entry("gvim", "8.2.5000-r0", OtherIdentity);
        var added = Entry("zstd", "1.5.2-r1");

        // When the two lists are compared
        var diff = IndexDiff.Compare(
            [keptBefore, upgradedBefore, rebuiltBefore, dropped],
            [keptAfter, upgradedAfter, rebuiltAfter, added]);

        // Then each lands in its list, the after entry is the one kept, updates pair the before entry
        Assert.Same(keptAfter, Assert.Single(diff.Unchanged));
        Assert.Same(added, Assert.Single(diff.Added));
        Assert.Same(dropped, Assert.Single(diff.Removed));
        Assert.Equal(2, diff.Updated.Count);
        Assert.Same(upgradedBefore, diff.Updated[0].From);
        Assert.Same(upgradedAfter, diff.Updated[0].To);
        Assert.Same(rebuiltBefore, diff.Updated[1].From);
        Assert.Same(rebuiltAfter, diff.Updated[1].To);
    }

    [Fact]
    public void Should_update_from_the_newest_version_a_name_had()
    {
        // Given a before list carrying one name at three versions, the newest neither first nor last
        // nor the largest string
        var newest = Entry("musl", "1.2.10-r0");

        // When a fourth version replaces them
        var diff = IndexDiff.Compare(
            [Entry("musl", "1.2.3-r0"), newest, Entry("musl", "1.2.9-r4")],
            [Entry("musl", "1.3.0-r0")]);

        // Then the update starts from the newest by apk's version order, and nothing is removed
        Assert.Same(newest, Assert.Single(diff.Updated).From);
        Assert.Empty(diff.Removed);
        Assert.Empty(diff.Added);
    }

    [Fact]
    public void Should_match_packages_by_file_name_as_the_mirror_stores_them()
    {
        // Given two records that name the same file, foo-1.0-1-r0.apk, split differently into name and version
        var before = Entry("foo-1.0", "1-r0");
        var after = Entry("foo", "1.0-1-r0");

        // When compared, once with the same identity and once with another
        var same = IndexDiff.Compare([before], [after]);
        var other = IndexDiff.Compare([before], [after with { Checksum = OtherIdentity }]);

        // Then the same file with the same identity needs nothing, another identity rebuilds that file,
        // and the old name is gone either way
        Assert.Same(after, Assert.Single(same.Unchanged));
        Assert.Same(before, Assert.Single(same.Removed));
        Assert.Same(before, Assert.Single(other.Updated).From);
        Assert.Same(before, Assert.Single(other.Removed));
    }

    [Fact]
    public void Should_account_for_every_package_of_two_real_releases()
    {
        // Given the real v3.16 and v3.22 main/x86_64 indexes
        using var keys = TrustedKeys.Load(Fixtures.AlpineKeys);
        var v316 = ApkIndexReader.Read(Fixtures.Path("alpine-v3.16-main-x86_64", "APKINDEX.tar.gz"), keys).Entries;
        var v322 = ApkIndexReader.Read(Fixtures.Path("alpine-v3.22-main-x86_64", "APKINDEX.tar.gz"), keys).Entries;

        // When v3.16 is compared with v3.22
        var diff = IndexDiff.Compare(v316, v322);

        // Then every v3.22 package is added, updated or unchanged exactly once, removed ones are gone by name,
        // and updates keep their name
        Assert.Equal(v322.Count, diff.Added.Count + diff.Updated.Count + diff.Unchanged.Count);
        Assert.Equal(
            v322.Select(e => e.FileName).Order(StringComparer.Ordinal),
            diff.Added.Concat(diff.Updated.Select(u => u.To)).Concat(diff.Unchanged).Select(e => e.FileName).Order(StringComparer.Ordinal));
        var names = v322.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        Assert.All(diff.Removed, e => Assert.DoesNotContain(e.Name, names));
        Assert.Equal(v316.Count(e => !names.Contains(e.Name)), diff.Removed.Count);
        Assert.All(diff.Updated, u => Assert.Equal(u.From.Name, u.To.Name));
        Assert.NotEmpty(diff.Added);
        Assert.NotEmpty(diff.Updated);
        Assert.NotEmpty(diff.Removed);
    }

    [Fact]
    public void Should_find_nothing_changed_between_an_index_and_itself()
    {
        // Given the real v3.22 index read twice
        using var keys = TrustedKeys.Load(Fixtures.AlpineKeys);
        var path = Fixtures.Path("alpine-v3.22-main-x86_64", "APKINDEX.tar.gz");
        var first = ApkIndexReader.Read(path, keys).Entries;
        var second = ApkIndexReader.Read(path, keys).Entries;

        // When the two readings are compared
        var diff = IndexDiff.Compare(first, second);

        // Then every package is unchanged, in index order
        Assert.Equal(second, diff.Unchanged);
        Assert.Empty(diff.Added);
        Assert.Empty(diff.Updated);
        Assert.Empty(diff.Removed);
    }

    [Fact]
    public void Should_take_one_reading_compared_with_itself_as_wholly_unchanged()
    {
        // Given the real v3.22 index read once, as the planner reads it when upstream's bytes equal the published ones
        using var keys = TrustedKeys.Load(Fixtures.AlpineKeys);
        var entries = ApkIndexReader.Read(Fixtures.Path("alpine-v3.22-main-x86_64", "APKINDEX.tar.gz"), keys).Entries;

        // When the reading is compared with itself
        var diff = IndexDiff.Compare(entries, entries);

        // Then the result is that of two readings: every package unchanged, in index order
        Assert.Equal(entries, diff.Unchanged);
        Assert.Empty(diff.Added);
        Assert.Empty(diff.Updated);
        Assert.Empty(diff.Removed);
    }
}
