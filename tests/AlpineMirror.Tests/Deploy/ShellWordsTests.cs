using AlpineMirror.Configuration;
using AlpineMirror.Deploy;

namespace AlpineMirror.Tests.Deploy;

public sealed class ShellWordsTests
{
    [Theory]
    [InlineData("", new string[0])]
    [InlineData("  -c   local\t--check ", new[] { "-c", "local", "--check" })]
    [InlineData("-e 'boot_root=/srv/my tftp'", new[] { "-e", "boot_root=/srv/my tftp" })]
    [InlineData("-e \"a=\\\"quoted\\\" \\n kept\"", new[] { "-e", "a=\"quoted\" \\n kept" })]
    [InlineData("--limit=boot\\ 1 ''", new[] { "--limit=boot 1", "" })]
    [InlineData("-e 'x='\"$HOME\"", new[] { "-e", "x=$HOME" })]
    public void Should_split_like_a_posix_shell_without_expanding(string text, string[] expected)
    {
        Assert.Equal(expected, ShellWords.Split(text, "--ansible-args"));
    }

    [Theory]
    [InlineData("-e 'open", "expected a closing ' for the quote at offset 3")]
    [InlineData("-e \"open", "expected a closing \" for the quote at offset 3")]
    [InlineData("trailing\\", "expected a character after the final \\")]
    public void Should_refuse_unbalanced_quotes_naming_the_option(string text, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => ShellWords.Split(text, "--ansible-args"));

        Assert.Equal("--ansible-args", error.Source);
        Assert.Contains(expected, error.Message);
    }
}
