using AlpineMirror.Storage;

namespace AlpineMirror.Tests.Storage;

public sealed class SnapshotNameTests
{
    [Theory]
    [InlineData("3.15.5", true)]
    [InlineData("3.15.5.1", true)]
    [InlineData("3.15.10.12", true)]
    [InlineData("3.15", false)]
    [InlineData("3.15.5.1.2", false)]
    [InlineData("03.15.5", false)]
    [InlineData("3.15.5-rc1", false)]
    [InlineData("../3.15.5", false)]
    [InlineData("latest-stable", false)]
    [InlineData("v3.15", false)]
    [InlineData("", false)]
    [InlineData("3.15.9\n", false)]
    [InlineData("3.15.\u0669", false)]
    [InlineData("3.15.4\u0660", false)]
    [InlineData("\uff13.15.5", false)]
    public void Should_accept_only_release_numbers_as_names(string name, bool valid) =>
        Assert.Equal(valid, SnapshotName.IsValid(name));

    [Fact]
    public void Should_order_names_numerically_with_the_fourth_component_after_the_release()
    {
        string[] names = ["3.15.10", "3.15.5.1", "3.15.6", "3.15.5", "3.15.5.10", "3.15.5.2"];

        var ordered = names.Order(SnapshotName.Comparer).ToArray();

        Assert.Equal(["3.15.5", "3.15.5.1", "3.15.5.2", "3.15.5.10", "3.15.6", "3.15.10"], ordered);
    }

    [Fact]
    public void Should_refuse_to_parse_a_name_with_a_non_ascii_digit_instead_of_failing_inside_a_sort()
    {
        // Given names as a directory listing returns them, one with an Arabic-Indic zero
        string[] names = ["3.15.5", "3.15.4\u0660"];

        // Then the stray name is not a snapshot name, and sorting the valid ones works
        Assert.Throws<FormatException>(() => SnapshotName.Parse(names[1]));
        Assert.Equal(["3.15.5"], names.Where(SnapshotName.IsValid).Order(SnapshotName.Comparer));
    }

    [Fact]
    public void Should_name_the_first_snapshot_of_a_release_after_the_release() =>
        Assert.Equal("3.15.5", SnapshotName.Next("3.15.5", ["3.15.4", "3.15.4.1", "panoptiscan"]));

    [Fact]
    public void Should_take_the_next_fourth_component_for_a_later_update_of_the_same_release()
    {
        Assert.Equal("3.15.5.1", SnapshotName.Next("3.15.5", ["3.15.4", "3.15.5"]));
        Assert.Equal("3.15.5.3", SnapshotName.Next("3.15.5", ["3.15.5", "3.15.5.2", "3.15.5.1", "3.15.50"]));
    }
}
