using AlpineMirror.ClamAv;
using AlpineMirror.Configuration;

namespace AlpineMirror.Tests.ClamAv;

/// <summary>The <c>--clamav-*</c> options as <see cref="MirrorOptionsLoader"/> resolves them into <see cref="ClamAvOptions"/>.</summary>
public sealed class ClamAvOptionsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("clamav-options-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static ClamAvOptions Load(Dictionary<string, string>? commandLine = null, Dictionary<string, string>? environment = null) =>
        MirrorOptionsLoader.Load(commandLine ?? [], environment ?? [], ["target"]).ClamAv;

    [Fact]
    public void Should_default_to_ClamAVs_CDN_with_its_rules_and_stay_off_in_Update()
    {
        var options = Load();

        Assert.False(options.Enabled);
        Assert.Equal(new Uri("https://database.clamav.net"), options.Upstream);
        Assert.Equal(["main", "daily", "bytecode"], options.Databases);
        Assert.Equal("clamav", options.Directory);
        Assert.Equal(30, options.Keep);
        Assert.True(options.Dns);
        Assert.Equal(TimeSpan.FromMinutes(60), options.Interval);
        Assert.Null(options.Certificates);
        Assert.Null(options.Package);
    }

    [Fact]
    public void Should_drop_the_CDN_rules_by_default_for_another_upstream()
    {
        var options = Load(new() { ["clamav-upstream"] = "http://mirror.example/clamav/" });

        Assert.Equal(new Uri("http://mirror.example/clamav"), options.Upstream);
        Assert.False(options.Dns);
        Assert.Equal(TimeSpan.Zero, options.Interval);
    }

    [Fact]
    public void Should_read_every_option_from_command_line_environment_and_config_file()
    {
        var config = Path.Combine(_directory, "alpinemirror.yaml");
        File.WriteAllText(config, "clamav-databases: [daily, test]\nclamav-keep: 5\n");

        var options = Load(
            new() { ["config"] = config, ["clamav"] = "true", ["clamav-dir"] = "av/clamav", ["clamav-certs"] = _directory },
            new() { ["ALPINEMIRROR_CLAMAV_INTERVAL"] = "15", ["ALPINEMIRROR_CLAMAV_DNS"] = "false" });

        Assert.True(options.Enabled);
        Assert.Equal(["daily", "test"], options.Databases);
        Assert.Equal(5, options.Keep);
        Assert.Equal("av/clamav", options.Directory);
        Assert.Equal(_directory, options.Certificates);
        Assert.Equal(TimeSpan.FromMinutes(15), options.Interval);
        Assert.False(options.Dns);
    }

    [Fact]
    public void Should_take_the_package_name_from_the_config_file_and_let_an_empty_value_turn_it_off()
    {
        // Given a config file that names the package
        var config = Path.Combine(_directory, "alpinemirror.yaml");
        File.WriteAllText(config, "clamav-apk: clamav-db\n");

        // When it is read alone, under the environment, and under an empty command-line value
        var fromFile = Load(new() { ["config"] = config });
        var fromEnvironment = Load(new() { ["config"] = config }, new() { ["ALPINEMIRROR_CLAMAV_APK"] = "av-signatures" });
        var cleared = Load(new() { ["config"] = config, ["clamav-apk"] = "" });

        // Then the nearest source wins, and empty means no package
        Assert.Equal("clamav-db", fromFile.Package);
        Assert.Equal("av-signatures", fromEnvironment.Package);
        Assert.Null(cleared.Package);
    }

    [Theory]
    [InlineData("clamav-dir", "../outside", "a folder under the root")]
    [InlineData("clamav-dir", "/srv/clamav", "a folder under the root")]
    [InlineData("clamav-dir", ".alpinemirror", "a folder under the root")]
    [InlineData("clamav-keep", "0", "a whole number from 1 to 1000")]
    [InlineData("clamav-databases", "daily,../x", "a comma-separated list of names")]
    [InlineData("clamav-upstream", "ftp://x", "an http:// or https:// URL")]
    [InlineData("clamav-apk", "../clamav-db", "an apk package name")]
    [InlineData("clamav-apk", "ClamAV DB", "an apk package name")]
    public void Should_refuse_bad_values_naming_the_option(string name, string value, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(new() { [name] = value }));

        Assert.StartsWith($"--{name}: expected {expected}", error.Message);
    }
}
