using AlpineMirror.Storage;

namespace AlpineMirror.Tests.Storage;

public sealed class ExpectedTreeTests
{
    [Fact]
    public void Should_list_the_folders_above_an_entry_and_everything_below_a_subtree()
    {
        var tree = new ExpectedTree()
            .Add("main/x86_64/busybox-1.34.1-r5.apk", ExpectedEntry.File)
            .Add("releases/x86_64/netboot-3.15.5", ExpectedEntry.Subtree);

        Assert.Equal(ExpectedEntry.Folder, tree.Find("", "main"));
        Assert.Equal(ExpectedEntry.Folder, tree.Find("main", "x86_64"));
        Assert.Equal(ExpectedEntry.File, tree.Find("main/x86_64", "busybox-1.34.1-r5.apk"));
        Assert.Equal(ExpectedEntry.InsideSubtree, tree.Find("releases/x86_64/netboot-3.15.5", "boot"));
        Assert.Equal(ExpectedEntry.InsideSubtree, tree.Find("releases/x86_64/netboot-3.15.5/boot", "vmlinuz-lts"));
        Assert.Null(tree.Find("releases/x86_64/netboot-3.15.50", "vmlinuz-lts"));
        Assert.Null(tree.Find("main/x86_64", "busybox"));
        Assert.Null(tree.Find("", "busybox-1.34.1-r5.apk"));
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("main//x.apk")]
    [InlineData("/etc")]
    [InlineData("main/./x.apk")]
    public void Should_refuse_a_path_that_is_not_plain_names(string path) =>
        Assert.Throws<ArgumentException>(() => new ExpectedTree().Add(path, ExpectedEntry.File));

    [Fact]
    public void Should_refuse_an_entry_listed_as_two_kinds()
    {
        var tree = new ExpectedTree().Add("releases/x86_64/netboot", ExpectedEntry.Symlink);

        var error = Assert.Throws<ArgumentException>(() => tree.Add("releases/x86_64/netboot", ExpectedEntry.File));

        Assert.Contains("'releases/x86_64/netboot' is listed both as Symlink and as File", error.Message);
    }
}
