using System.Security.Cryptography;
using AlpineMirror.Configuration;
using AlpineMirror.InHouse;

namespace AlpineMirror.Tests.InHouse;

public sealed class InHouseOptionsTests : IDisposable
{
    private static readonly string[] HostSwitches = ["target", "verbosity", "exclusive", "dryrun", "help"];
    private readonly string _directory = Directory.CreateTempSubdirectory("inhouse-options-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static InHouseOptions Load(Dictionary<string, string>? commandLine = null, Dictionary<string, string>? environment = null) =>
        MirrorOptionsLoader.Load(commandLine ?? [], environment ?? [], HostSwitches).InHouse;

    [Fact]
    public void Should_default_to_panoptiscan_keeping_three_versions_signed_rsa256_with_no_source()
    {
        // When nothing is given
        var options = Load();

        // Then the defaults are the documented ones
        Assert.Equal(("panoptiscan", "panoptiscan.rsa.pub", 3, HashAlgorithmName.SHA256), (options.Name, options.KeyName, options.Keep, options.Signature));
        Assert.False(options.HasSource);
        Assert.Null(options.Key);
        Assert.False(options.Restore);
    }

    [Fact]
    public void Should_read_every_in_house_option_from_the_command_line_the_environment_and_the_config_file()
    {
        // Given some options in a config file, others in the environment, one on the command line
        var config = Path.Combine(_directory, "alpinemirror.yaml");
        File.WriteAllText(config, """
            inhouse-name: stations
            inhouse-key: /etc/alpinemirror/stations.rsa
            inhouse-keep: 5
            inhouse-description: from the file
            """);

        // When they are loaded
        var options = Load(
            new() { ["config"] = config, ["inhouse-incoming"] = "/srv/incoming", ["package"] = "controller-2.4.1-r0", ["restore"] = "true" },
            new()
            {
                ["ALPINEMIRROR_INHOUSE_UPSTREAM"] = "https://vendor.example/apk/",
                ["ALPINEMIRROR_INHOUSE_KEYS"] = "/etc/alpinemirror/builder-keys",
                ["ALPINEMIRROR_INHOUSE_SIGNATURE"] = "RSA",
                ["ALPINEMIRROR_INHOUSE_KEEP"] = "2",
            });

        // Then each comes from where it was given, the environment before the file
        Assert.Equal("stations", options.Name);
        Assert.Equal("/etc/alpinemirror/stations.rsa", options.Key);
        Assert.Equal("/srv/incoming", options.Incoming);
        Assert.Equal(new Uri("https://vendor.example/apk"), options.Upstream);
        Assert.Equal("/etc/alpinemirror/builder-keys", options.Keys);
        Assert.Equal(2, options.Keep);
        Assert.Equal(HashAlgorithmName.SHA1, options.Signature);
        Assert.Equal("from the file", options.Description);
        Assert.Equal(("controller-2.4.1-r0", true), (options.Package, options.Restore));
        Assert.True(options.HasSource);
    }

    [Theory]
    [InlineData("inhouse-signature", "DSA", "--inhouse-signature: expected RSA256 or RSA, got 'DSA'")]
    [InlineData("inhouse-keep", "0", "--inhouse-keep: expected a whole number from 1 to 1000, got '0'")]
    [InlineData("inhouse-upstream", "ftp://vendor", "--inhouse-upstream: expected an http:// or https:// URL, got 'ftp://vendor'")]
    public void Should_refuse_an_unusable_value_naming_the_option(string name, string value, string message)
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(new() { [name] = value }));

        Assert.Equal(message, error.Message);
    }
}
