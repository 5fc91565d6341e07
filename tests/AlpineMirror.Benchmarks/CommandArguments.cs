using System.Globalization;

namespace AlpineMirror.Benchmarks;

/// <summary>The <c>--name value</c> or <c>--name=value</c> options of a bench command; a name may repeat.</summary>
internal sealed class CommandArguments
{
    private readonly string _command;
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public CommandArguments(string command, IReadOnlyList<string> args, IReadOnlyCollection<string> known)
    {
        _command = command;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new CommandUsageException($"{command}: expected an option like --root=DIR, got '{arg}'");
            }

            var separator = arg.IndexOf('=', StringComparison.Ordinal);
            string name, value;
            if (separator > 0)
            {
                (name, value) = (arg[2..separator], arg[(separator + 1)..]);
            }
            else if (i + 1 < args.Count)
            {
                (name, value) = (arg[2..], args[++i]);
            }
            else
            {
                throw new CommandUsageException($"{command}: --{arg[2..]} expects a value");
            }

            if (!known.Contains(name))
            {
                throw new CommandUsageException($"{command}: unknown option --{name}; expected one of --{string.Join(", --", known)}");
            }

            if (!_values.TryGetValue(name, out var list))
            {
                _values[name] = list = [];
            }

            list.Add(value);
        }
    }

    public string? Optional(string name) => _values.TryGetValue(name, out var list) ? list[^1] : null;

    public string Required(string name) =>
        Optional(name) ?? throw new CommandUsageException($"{_command}: --{name} is required");

    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var list) ? list : [];

    public int Int(string name, int fallback) => Optional(name) is { } text
        ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CommandUsageException($"{_command}: --{name}: expected a whole number, got '{text}'")
        : fallback;

    public double? Double(string name) => Optional(name) is { } text
        ? double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CommandUsageException($"{_command}: --{name}: expected a number like 0.01, got '{text}'")
        : null;
}
