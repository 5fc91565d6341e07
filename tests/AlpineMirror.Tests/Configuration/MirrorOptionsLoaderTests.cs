using AlpineMirror.Build.Hosting;
using AlpineMirror.Configuration;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.Configuration;

public sealed class MirrorOptionsLoaderTests : IDisposable
{
    private static readonly string[] HostSwitches = ["target", "verbosity", "exclusive", "dryrun", "help"];
    private readonly string _directory = Directory.CreateTempSubdirectory("options-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static MirrorOptions Load(
        Dictionary<string, string>? commandLine = null, Dictionary<string, string>? environment = null) =>
        MirrorOptionsLoader.Load(commandLine ?? [], environment ?? [], HostSwitches);

    private string ConfigFile(string yaml)
    {
        var path = Path.Combine(_directory, "alpinemirror.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [Fact]
    public void Should_use_the_documented_defaults()
    {
        var options = Load();

        Assert.Equal(new Uri("https://dl-cdn.alpinelinux.org/alpine"), options.Upstream);
        Assert.Equal(["main", "community"], options.Repos);
        Assert.Equal(["x86_64"], options.Archs);
        Assert.Equal("/etc/apk/keys", options.Keys);
        Assert.True(options.Releases);
        Assert.Null(options.Root);
        Assert.Null(options.Branch);
        Assert.Null(options.Version);
    }

    [Fact]
    public void Should_read_release_keys_from_the_command_line_the_environment_or_the_file_and_default_to_none()
    {
        var config = ConfigFile("release-keys: /etc/alpinemirror/from-file.asc\n");

        Assert.Null(Load().ReleaseKeys);
        Assert.Equal("/etc/alpinemirror/from-file.asc", Load(new() { ["config"] = config }).ReleaseKeys);
        Assert.Equal("/etc/alpinemirror/release-keys",
            Load(new() { ["config"] = config }, new() { ["ALPINEMIRROR_RELEASE_KEYS"] = "/etc/alpinemirror/release-keys" }).ReleaseKeys);
        Assert.Equal("/srv/ncopa.asc",
            Load(new() { ["config"] = config, ["release-keys"] = "/srv/ncopa.asc" }, new() { ["ALPINEMIRROR_RELEASE_KEYS"] = "/x" }).ReleaseKeys);
    }

    [Fact]
    public void Should_prefer_command_line_then_environment_then_file_then_default()
    {
        var config = ConfigFile("""
            root: /srv/from-file
            branch: v3.14
            repos: [main]
            arch: aarch64
            keys: /keys/from-file
            """);

        var options = Load(
            commandLine: new() { ["config"] = config, ["root"] = "/srv/from-cli" },
            environment: new() { ["ALPINEMIRROR_ROOT"] = "/srv/from-env", ["ALPINEMIRROR_BRANCH"] = "v3.15", ["PATH"] = "/bin" });

        Assert.Equal("/srv/from-cli", options.Root);
        Assert.Equal("v3.15", options.Branch);
        Assert.Equal(["main"], options.Repos);
        Assert.Equal(["aarch64"], options.Archs);
        Assert.Equal("/keys/from-file", options.Keys);
        Assert.Equal(new Uri("https://dl-cdn.alpinelinux.org/alpine"), options.Upstream);
    }

    [Fact]
    public void Should_find_the_config_file_through_the_environment()
    {
        var config = ConfigFile("version: 3.15.5.1\nreleases: false\n");

        var options = Load(environment: new() { ["ALPINEMIRROR_CONFIG"] = config });

        Assert.Equal("3.15.5.1", options.Version);
        Assert.False(options.Releases);
    }

    [Fact]
    public void Should_split_comma_lists_and_drop_duplicates()
    {
        var options = Load(commandLine: new() { ["arch"] = "x86_64, aarch64,x86_64", ["repos"] = "main,community,testing" });

        Assert.Equal(["x86_64", "aarch64"], options.Archs);
        Assert.Equal(["main", "community", "testing"], options.Repos);
    }

    [Fact]
    public void Should_read_the_update_options()
    {
        var options = Load(commandLine: new()
        {
            ["parallel"] = "16", ["max-removed"] = "25%", ["force"] = "true", ["to"] = "3.15.4", ["keep"] = "3",
            ["retries"] = "2", ["timeout"] = "90",
        });

        Assert.Equal(16, options.Parallel);
        Assert.Equal(0.25, options.MaxRemovedShare);
        Assert.True(options.Force);
        Assert.Equal("3.15.4", options.To);
        Assert.Equal(3, options.Keep);
        Assert.Equal(2, options.Retries);
        Assert.Equal(TimeSpan.FromSeconds(90), options.Timeout);
        Assert.Equal(0.05, Load(environment: new() { ["ALPINEMIRROR_MAX_REMOVED"] = "5" }).MaxRemovedShare);
    }

    [Theory]
    [InlineData("max-removed", "120", "--max-removed: expected a percentage from 0 to 100, like 10 or 10%, got '120'")]
    [InlineData("parallel", "0", "--parallel: expected a whole number from 1 to 64, got '0'")]
    [InlineData("keep", "none", "--keep: expected a whole number from 1 to 1000, got 'none'")]
    [InlineData("branch", "3.15", "--branch: expected a branch like v3.15 or edge, got '3.15'")]
    [InlineData("upstream", "ftp://example/alpine", "--upstream: expected an http:// or https:// URL, got 'ftp://example/alpine'")]
    [InlineData("arch", "x86_64,../etc", "--arch: expected a comma-separated list of names made of a-z, 0-9 and _, got 'x86_64,../etc'")]
    [InlineData("version", "3.15.5/..", "--version: expected a release number like 3.15.5 or 3.15.5.1, got '3.15.5/..'")]
    [InlineData("version", "3.15.9\n", "--version: expected a release number like 3.15.5 or 3.15.5.1, got '3.15.9\\x0a'")]
    [InlineData("version", "3.15.\u0669", "--version: expected a release number like 3.15.5 or 3.15.5.1, got '3.15.\u0669'")]
    [InlineData("branch", "v3.15\n", "--branch: expected a branch like v3.15 or edge, got 'v3.15\\x0a'")]
    [InlineData("releases", "yes", "--releases: expected true or false, got 'yes'")]
    [InlineData("brnach", "v3.15", "--brnach: unknown option; known options are --root,")]
    public void Should_refuse_bad_command_line_values_naming_the_option(string name, string value, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(commandLine: new() { [name] = value }));

        Assert.StartsWith(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Should_name_the_environment_variable_that_holds_a_bad_value()
    {
        var error = Assert.Throws<ConfigurationException>(() =>
            Load(environment: new() { ["ALPINEMIRROR_REPOS"] = "Main" }));

        Assert.StartsWith("ALPINEMIRROR_REPOS: expected a comma-separated list", error.Message);
    }

    [Fact]
    public void Should_name_the_config_file_and_key_that_hold_a_bad_value()
    {
        var config = ConfigFile("branch: 3.15\n");

        var error = Assert.Throws<ConfigurationException>(() => Load(commandLine: new() { ["config"] = config }));

        Assert.Equal($"{config}: branch: expected a branch like v3.15 or edge, got '3.15'", error.Message);
    }

    [Fact]
    public void Should_refuse_an_unknown_key_in_the_config_file_with_its_line()
    {
        var config = ConfigFile("root: /srv/alpine\nmirror: true\n");

        var error = Assert.Throws<ConfigurationException>(() => Load(commandLine: new() { ["config"] = config }));

        Assert.StartsWith($"{config}: line 2: unknown option 'mirror'", error.Message);
    }

    [Fact]
    public void Should_refuse_a_missing_or_malformed_config_file()
    {
        var missing = Path.Combine(_directory, "absent.yaml");
        var malformed = ConfigFile("root: [unclosed\n");

        Assert.Equal($"{missing}: config file not found",
            Assert.Throws<ConfigurationException>(() => Load(commandLine: new() { ["config"] = missing })).Message);
        Assert.StartsWith($"{malformed}: line ",
            Assert.Throws<ConfigurationException>(() => Load(commandLine: new() { ["config"] = malformed })).Message);
    }

    [Theory]
    [InlineData("? [a, b]\n: x\n", "line 1: expected an option name, got a list")]
    [InlineData("root: /srv/alpine\n? {a: b}\n: x\n", "line 2: expected an option name, got a mapping")]
    [InlineData("repos: [main, [community]]\n", "line 1: repos: expected a list of values, got a list in it")]
    [InlineData("repos:\n  - main\n  - {community: true}\n", "line 3: repos: expected a list of values, got a mapping in it")]
    [InlineData("arch: {x86_64: true}\n", "line 1: arch: expected a value or a list, got a mapping")]
    [InlineData("root: /srv/a\nroot: /srv/b\n", "line 2: not valid YAML: ")]
    [InlineData("root: /srv/a\n---\nroot: /srv/b\n", "line 3: expected one YAML document, found 2")]
    public void Should_refuse_a_config_entry_that_is_not_an_option_and_a_value_naming_file_and_line(string yaml, string expected)
    {
        // Given a config file whose entry is not "name: value" or "name: [values]"
        var config = ConfigFile(yaml);

        // When loaded
        var error = Assert.Throws<ConfigurationException>(() => Load(commandLine: new() { ["config"] = config }));

        // Then one line names the file, the line and what was expected
        Assert.StartsWith($"{config}: {expected}", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task Should_exit_with_the_usage_code_when_a_config_key_is_not_a_name()
    {
        // Given a config file with a list as a key
        var config = ConfigFile("root: /srv/alpine\n? [a, b]\n: x\n");

        // When the host runs with it
        var run = await InProcessHost.RunAsync(["--target=Plan", $"--config={config}"]);

        // Then it exits 2 with one line naming the file and the line
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Equal($"Error: {config}: line 2: expected an option name, got a list", run.SingleErrorLine());
    }
}
