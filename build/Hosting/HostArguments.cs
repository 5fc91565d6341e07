using Cake.Core.Diagnostics;

namespace AlpineMirror.Build.Hosting;

/// <summary>The command line split into the host's own switches and the arguments tasks read.</summary>
public sealed record HostArguments(
    string Target,
    Verbosity Verbosity,
    bool Exclusive,
    bool DryRun,
    bool Help,
    ILookup<string, string> Arguments)
{
    public const string DefaultTarget = "Default";

    /// <summary>Accepts <c>--name=value</c>, <c>--name value</c> and bare <c>--flag</c> (meaning true).</summary>
    public static HostArguments Parse(IReadOnlyList<string> args)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new HostUsageException($"unexpected argument '{arg}': arguments look like --name=value");
            }

            var body = arg[2..];
            var equals = body.IndexOf('=');
            if (equals >= 0)
            {
                pairs.Add(new(body[..equals], body[(equals + 1)..]));
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                pairs.Add(new(body, args[++i]));
            }
            else
            {
                pairs.Add(new(body, "true"));
            }
        }

        var lookup = pairs.ToLookup(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
        return new HostArguments(
            Target: lookup["target"].LastOrDefault() ?? DefaultTarget,
            Verbosity: ParseVerbosity(lookup["verbosity"].LastOrDefault()),
            Exclusive: ParseSwitch(lookup, "exclusive"),
            DryRun: ParseSwitch(lookup, "dryrun"),
            Help: ParseSwitch(lookup, "help"),
            Arguments: lookup);
    }

    private static bool ParseSwitch(ILookup<string, string> lookup, string name)
    {
        var value = lookup[name].LastOrDefault();
        return value switch
        {
            null => false,
            _ when bool.TryParse(value, out var parsed) => parsed,
            _ => throw new HostUsageException($"--{name}: expected true or false, got '{value}'"),
        };
    }

    private static Verbosity ParseVerbosity(string? value)
    {
        if (value is null)
        {
            return Verbosity.Normal;
        }

        return Enum.TryParse<Verbosity>(value, ignoreCase: true, out var verbosity) && Enum.IsDefined(verbosity)
            ? verbosity
            : throw new HostUsageException(
                $"--verbosity: expected one of {string.Join(", ", Enum.GetNames<Verbosity>()).ToLowerInvariant()}, got '{value}'");
    }
}
