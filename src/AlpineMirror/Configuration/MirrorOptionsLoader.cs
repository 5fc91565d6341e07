using System.Text.RegularExpressions;
using System.Security.Cryptography;
using AlpineMirror.ClamAv;
using AlpineMirror.Deploy;
using AlpineMirror.InHouse;
using AlpineMirror.Mirroring;
using AlpineMirror.Storage;
using AlpineMirror.Upstream;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace AlpineMirror.Configuration;

/// <summary>
/// Resolves <see cref="MirrorOptions"/> from, in order of precedence, the command line (<c>--name=value</c>),
/// <c>ALPINEMIRROR_NAME</c> environment variables, a YAML config file (<c>--config</c>), and defaults.
/// </summary>
public static partial class MirrorOptionsLoader
{
    public const string EnvironmentPrefix = "ALPINEMIRROR_";

    private static readonly string[] OptionNames =
        ["root", "upstream", "branch", "repos", "arch", "keys", "release-keys", "version", "releases", "retries", "timeout", "parallel", "verify", "max-removed", "force", "to", "keep", "deploy", "ansible-playbook", "ansible-inventory", "ansible-args", "awx-url",
            "awx-job-template", "report", "inhouse-name", "inhouse-key", "inhouse-incoming", "inhouse-upstream", "inhouse-keys", "inhouse-keep",
            "inhouse-signature", "inhouse-description", "package", "restore", "clamav", "clamav-upstream", "clamav-databases", "clamav-dir",
            "clamav-keep", "clamav-dns", "clamav-interval", "clamav-certs", "clamav-apk"];

    /// <param name="commandLine">Options given on the command line, by name without dashes.</param>
    /// <param name="environment">The process environment.</param>
    /// <param name="hostSwitches">Names the host itself handles (target, verbosity…), accepted and ignored here.</param>
    public static MirrorOptions Load(
        IReadOnlyDictionary<string, string> commandLine,
        IReadOnlyDictionary<string, string> environment,
        IEnumerable<string> hostSwitches)
    {
        var ignored = new HashSet<string>(hostSwitches, StringComparer.OrdinalIgnoreCase) { "config" };
        foreach (var name in commandLine.Keys.Where(n => !ignored.Contains(n) && !OptionNames.Contains(n, StringComparer.OrdinalIgnoreCase)))
        {
            throw new ConfigurationException($"--{name}", $"unknown option; known options are --{string.Join(", --", OptionNames)}");
        }

        var configPath = Lookup(commandLine, "config") ?? environment.GetValueOrDefault(EnvironmentPrefix + "CONFIG");
        var file = configPath is null ? new Dictionary<string, string>() : ReadConfigFile(configPath);

        OptionValue? Resolve(string name)
        {
            if (Lookup(commandLine, name) is { } cli)
            {
                return new OptionValue($"--{name}", cli);
            }

            var variable = EnvironmentPrefix + name.ToUpperInvariant().Replace('-', '_');
            // An empty variable counts as unset, as CI systems set unset secrets and variables to "".
            if (environment.TryGetValue(variable, out var env) && env.Length > 0)
            {
                return new OptionValue(variable, env);
            }

            return file.TryGetValue(name, out var fromFile) ? new OptionValue($"{configPath}: {name}", fromFile) : null;
        }

        var defaults = new MirrorOptions();
        return new MirrorOptions
        {
            Root = Resolve("root") is { } root ? ParsePath(root) : null,
            Upstream = Resolve("upstream") is { } upstream ? ParseHttpUrl(upstream) : defaults.Upstream,
            Branch = Resolve("branch") is { } branch ? ParseBranch(branch) : null,
            Repos = Resolve("repos") is { } repos ? ParseNames(repos) : defaults.Repos,
            Archs = Resolve("arch") is { } arch ? ParseNames(arch) : defaults.Archs,
            Keys = Resolve("keys") is { } keys ? ParsePath(keys) : defaults.Keys,
            ReleaseKeys = Resolve("release-keys") is { } releaseKeys ? ParsePath(releaseKeys) : null,
            Version = Resolve("version") is { } version ? ParseSnapshotName(version) : null,
            Releases = Resolve("releases") is { } releases ? ParseBool(releases) : defaults.Releases,
            Retries = Resolve("retries") is { } retries ? ParseCount(retries, 0, 20) : defaults.Retries,
            Timeout = Resolve("timeout") is { } timeout ? TimeSpan.FromSeconds(ParseCount(timeout, 1, 3600)) : defaults.Timeout,
            Parallel = Resolve("parallel") is { } parallel ? ParseCount(parallel, 1, 64) : defaults.Parallel,
            Verify = Resolve("verify") is { } verify ? ParseVerifyMode(verify) : defaults.Verify,
            MaxRemovedShare = Resolve("max-removed") is { } maxRemoved ? ParsePercent(maxRemoved) : defaults.MaxRemovedShare,
            Force = Resolve("force") is { } force ? ParseBool(force) : defaults.Force,
            To = Resolve("to") is { } to ? ParseSnapshotName(to) : null,
            Keep = Resolve("keep") is { } keep ? ParseCount(keep, 1, 1000) : null,
            Deploy = Resolve("deploy") is { } deploy ? ParseDeployPolicy(deploy) : defaults.Deploy,
            AnsiblePlaybook = Resolve("ansible-playbook") is { } playbook ? ParsePath(playbook) : null,
            // An inventory is a file or, as ansible accepts, a comma-separated host list such as "localhost,".
            AnsibleInventory = Resolve("ansible-inventory") is { } inventory
                ? inventory.Value.Contains(',') ? inventory.Value : ParsePath(inventory)
                : null,
            AnsibleArgs = Resolve("ansible-args")?.Value,
            AwxUrl = Resolve("awx-url") is { } awxUrl ? ParseHttpUrl(awxUrl) : null,
            AwxJobTemplate = Resolve("awx-job-template")?.Value,
            Report = Resolve("report") is { } report ? ParsePath(report) : null,
            InHouse = LoadInHouse(Resolve),
            ClamAv = LoadClamAv(Resolve),
        };
    }

    private static InHouseOptions LoadInHouse(Func<string, OptionValue?> resolve)
    {
        var defaults = new InHouseOptions();
        return new InHouseOptions
        {
            Name = resolve("inhouse-name")?.Value ?? defaults.Name,
            Key = resolve("inhouse-key") is { } key ? ParsePath(key) : null,
            Incoming = resolve("inhouse-incoming") is { } incoming ? ParsePath(incoming) : null,
            Upstream = resolve("inhouse-upstream") is { } upstream ? ParseHttpUrl(upstream) : null,
            Keys = resolve("inhouse-keys") is { } keys ? ParsePath(keys) : null,
            Keep = resolve("inhouse-keep") is { } keep ? ParseCount(keep, 1, 1000) : defaults.Keep,
            Signature = resolve("inhouse-signature") is { } signature ? ParseSignature(signature) : defaults.Signature,
            Description = resolve("inhouse-description") is { } description ? ParseLine(description) : null,
            Package = resolve("package")?.Value,
            Restore = resolve("restore") is { } restore && ParseBool(restore),
        };
    }

    // apk-tools reads both since 2.7; RSA (SHA-1) only for stations older than that.
    private static HashAlgorithmName ParseSignature(OptionValue option) => option.Value switch
    {
        "RSA256" => HashAlgorithmName.SHA256,
        "RSA" => HashAlgorithmName.SHA1,
        _ => throw option.Invalid("RSA256 or RSA"),
    };

    private static string ParseLine(OptionValue option) =>
        option.Value.Length > 0 && option.Value.AsSpan().IndexOfAny('\n', '\r') < 0 ? option.Value : throw option.Invalid("one line of text");

    private static ClamAvOptions LoadClamAv(Func<string, OptionValue?> resolve)
    {
        var defaults = new ClamAvOptions();
        var upstream = resolve("clamav-upstream") is { } url ? ParseHttpUrl(url) : defaults.Upstream;
        // ClamAV's CDN rules (DNS first, one check an hour) are the defaults only against ClamAV's CDN.
        var official = defaults.IsOfficialUpstream(upstream);
        return new ClamAvOptions
        {
            Enabled = resolve("clamav") is { } enabled ? ParseBool(enabled) : defaults.Enabled,
            Upstream = upstream,
            Databases = resolve("clamav-databases") is { } databases ? ParseNames(databases) : defaults.Databases,
            Directory = resolve("clamav-dir") is { } directory ? ParseRelativeFolder(directory) : defaults.Directory,
            Keep = resolve("clamav-keep") is { } keep ? ParseCount(keep, 1, 1000) : defaults.Keep,
            Dns = resolve("clamav-dns") is { } dns ? ParseBool(dns) : official,
            Interval = TimeSpan.FromMinutes(resolve("clamav-interval") is { } interval ? ParseCount(interval, 0, 7 * 24 * 60) : official ? 60 : 0),
            Certificates = resolve("clamav-certs") is { } certs ? ParsePath(certs) : null,
            // Empty turns the package off, so a config file's name can be cleared from the command line.
            Package = resolve("clamav-apk") is { Value.Length: > 0 } package ? ParsePackageName(package) : null,
        };
    }

    private static string ParseRelativeFolder(OptionValue option) =>
        option.Value.Length > 0 && !Path.IsPathRooted(option.Value)
        && option.Value.Split('/').All(part => part.Length > 0 && part is not "." and not ".." && !part.StartsWith('.'))
            ? option.Value
            : throw option.Invalid("a folder under the root, like clamav (no leading /, no . or .. parts)");

    private static string? Lookup(IReadOnlyDictionary<string, string> values, string name) =>
        values.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    private static Dictionary<string, string> ReadConfigFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new ConfigurationException(path, "config file not found");
        }

        var yaml = new YamlStream();
        try
        {
            using var reader = File.OpenText(path);
            yaml.Load(reader);
        }
        catch (YamlException exception)
        {
            throw new ConfigurationException(path, $"line {exception.Start.Line}: not valid YAML: {exception.Message}");
        }

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (yaml.Documents.Count == 0)
        {
            return values;
        }

        if (yaml.Documents.Count > 1)
        {
            throw new ConfigurationException(path, $"line {yaml.Documents[1].RootNode.Start.Line}: expected one YAML document, found {yaml.Documents.Count}");
        }

        if (yaml.Documents[0].RootNode is not YamlMappingNode mapping)
        {
            throw new ConfigurationException(path, "expected a mapping of option: value");
        }

        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = keyNode is YamlScalarNode scalarKey
                ? scalarKey.Value ?? ""
                : throw new ConfigurationException(path, $"line {keyNode.Start.Line}: expected an option name, got {Describe(keyNode)}");
            if (!OptionNames.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw new ConfigurationException(
                    path, $"line {keyNode.Start.Line}: unknown option '{key}'; known options are {string.Join(", ", OptionNames)}");
            }

            values[key] = valueNode switch
            {
                YamlScalarNode scalar => scalar.Value ?? "",
                YamlSequenceNode sequence => string.Join(",", sequence.Children.Select(item => item is YamlScalarNode element
                    ? element.Value
                    : throw new ConfigurationException(path, $"line {item.Start.Line}: {key}: expected a list of values, got {Describe(item)} in it"))),
                _ => throw new ConfigurationException(path, $"line {valueNode.Start.Line}: {key}: expected a value or a list, got {Describe(valueNode)}"),
            };
        }

        return values;
    }

    private static string Describe(YamlNode node) => node switch
    {
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => node.NodeType.ToString().ToLowerInvariant(),
    };

    private static string ParsePath(OptionValue option) =>
        option.Value.Length > 0
            ? Path.GetFullPath(option.Value)
            : throw option.Invalid("a path");

    private static Uri ParseHttpUrl(OptionValue option) =>
        Uri.TryCreate(option.Value.TrimEnd('/'), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw option.Invalid("an http:// or https:// URL");

    private static string ParseBranch(OptionValue option) =>
        BranchPattern().IsMatch(option.Value) ? option.Value : throw option.Invalid("a branch like v3.15 or edge");

    private static IReadOnlyList<string> ParseNames(OptionValue option)
    {
        var names = option.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return names.Length > 0 && names.All(NamePattern().IsMatch)
            ? names.Distinct().ToList()
            : throw option.Invalid("a comma-separated list of names made of a-z, 0-9 and _");
    }

    private static string ParsePackageName(OptionValue option) =>
        PackageNamePattern().IsMatch(option.Value) ? option.Value : throw option.Invalid("an apk package name like clamav-db (a-z, 0-9, '.', '+', '_', '-', starting with a-z or 0-9)");

    private static string ParseSnapshotName(OptionValue option) =>
        SnapshotName.IsValid(option.Value) ? option.Value : throw option.Invalid("a release number like 3.15.5 or 3.15.5.1");

    private static int ParseCount(OptionValue option, int min, int max) =>
        int.TryParse(option.Value, out var value) && value >= min && value <= max
            ? value
            : throw option.Invalid($"a whole number from {min} to {max}");

    private static double ParsePercent(OptionValue option) =>
        double.TryParse(option.Value.TrimEnd('%'), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var percent)
        && percent is >= 0 and <= 100
            ? percent / 100
            : throw option.Invalid("a percentage from 0 to 100, like 10 or 10%");

    private static VerifyMode ParseVerifyMode(OptionValue option) => option.Value switch
    {
        "changed" => VerifyMode.Changed,
        "full" => VerifyMode.Full,
        _ => throw option.Invalid("changed or full"),
    };

    private static DeployPolicy ParseDeployPolicy(OptionValue option)
    {
        try
        {
            return DeployPolicy.Parse(option.Value);
        }
        catch (ConfigurationException)
        {
            // Said again with the source it came from: an environment variable or the config file.
            throw option.Invalid("always, kernel-change or never");
        }
    }

    private static bool ParseBool(OptionValue option) =>
        bool.TryParse(option.Value, out var value) ? value : throw option.Invalid("true or false");

    // ASCII digits and \z, as for snapshot names: '$' would accept a trailing newline.
    [GeneratedRegex(@"\A(v[0-9]+\.[0-9]+|edge)\z")]
    private static partial Regex BranchPattern();

    [GeneratedRegex(@"\A[a-z0-9_]+\z")]
    private static partial Regex NamePattern();

    // apk's pkgname characters, lower-case only: stations type it in apk add.
    [GeneratedRegex(@"\A[a-z0-9][a-z0-9.+_-]*\z")]
    private static partial Regex PackageNamePattern();

    private sealed record OptionValue(string Source, string Value)
    {
        public ConfigurationException Invalid(string expected) => new(Source, $"expected {expected}, got '{UpstreamLayout.Printable(Value)}'");
    }
}
