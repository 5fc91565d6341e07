using System.Buffers;
using System.Globalization;

namespace AlpineMirror.Apk;

/// <summary>Parses the unsigned <c>APKINDEX</c> text (APK-FORMAT.md §2.4) line by line into entries.</summary>
/// <remarks>
/// Fails closed on anything the mirror relies on: the identity fields C, P, V and S must be present and well formed,
/// and P, V and A must be safe to use in a file name or URL path.
/// </remarks>
public static class ApkIndexParser
{
    private static readonly SearchValues<char> NameCharacters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+_-");

    private static readonly SearchValues<char> VersionCharacters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~+-");

    /// <summary>
    /// The records of <paramref name="reader"/>, read lazily: each entry is produced as soon as its blank line is read,
    /// so an index never has to sit in memory as one string.
    /// </summary>
    /// <param name="source">The file or URL named in error messages.</param>
    /// <exception cref="ApkFormatException">While enumerating: a line or field is malformed; the message names the line.</exception>
    public static IEnumerable<ApkIndexEntry> Parse(TextReader reader, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(source);
        return ReadRecords(reader, source);
    }

    private static IEnumerable<ApkIndexEntry> ReadRecords(TextReader reader, string source)
    {
        var record = new RecordBuilder(source);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                if (record.HasFields)
                {
                    yield return record.Build();
                }

                continue;
            }

            if (line.Length < 2 || line[1] != ':')
            {
                throw new ApkFormatException(source, $"line {lineNumber}: expected \"<field>:<value>\", got {QuotedText.Of(line)}");
            }

            record.Add(line[0], line.AsSpan(2), lineNumber);
        }

        if (record.HasFields)
        {
            yield return record.Build();
        }
    }

    /// <summary>Collects the fields of one record; reused for every record of an index.</summary>
    private sealed class RecordBuilder
    {
        // Arch, licence, maintainer, origin and dependency names repeat across thousands of records.
        private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _stringsBySpan;
        private readonly List<string> _atoms = [];

        private int _startLine;
        private string? _checksum;
        private string? _name;
        private string? _version;
        private string? _arch;
        private long? _size;
        private long _installedSize;
        private string _description = "";
        private string _url = "";
        private string _license = "";
        private string _origin = "";
        private string _maintainer = "";
        private long _buildTime;
        private string _commit = "";
        private int? _providerPriority;
        private IReadOnlyList<string> _depends = [];
        private IReadOnlyList<string> _provides = [];
        private IReadOnlyList<string> _installIf = [];

        private readonly string _source;

        public RecordBuilder(string source)
        {
            _source = source;
            _stringsBySpan = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public bool HasFields => _startLine != 0;

        public void Add(char field, ReadOnlySpan<char> value, int lineNumber)
        {
            if (_startLine == 0)
            {
                _startLine = lineNumber;
            }

            switch (field)
            {
                case 'C':
                    _checksum = Single(_checksum, field, value, lineNumber);
                    if (!ApkChecksum.TryParse(_checksum, out _, out var error))
                    {
                        throw Error(lineNumber, $"C: {error}");
                    }

                    break;
                case 'P':
                    _name = Single(_name, field, value, lineNumber);
                    RequireSafeName(field, _name, lineNumber);
                    break;
                case 'V':
                    _version = Single(_version, field, value, lineNumber);
                    RequireSafeVersion(_version, lineNumber);
                    break;
                case 'A':
                    _arch = Intern(value);
                    RequireSafeName(field, _arch, lineNumber);
                    break;
                case 'S':
                    if (_size is not null)
                    {
                        throw Error(lineNumber, "S: appears twice in one record");
                    }

                    _size = Number(field, value, lineNumber);
                    break;
                case 'I':
                    _installedSize = Number(field, value, lineNumber);
                    break;
                case 'T':
                    _description = value.ToString();
                    break;
                case 'U':
                    _url = value.ToString();
                    break;
                case 'L':
                    _license = Intern(value);
                    break;
                case 'o':
                    _origin = Intern(value);
                    break;
                case 'm':
                    _maintainer = Intern(value);
                    break;
                case 't':
                    _buildTime = Number(field, value, lineNumber);
                    break;
                case 'c':
                    _commit = value.ToString();
                    break;
                case 'k':
                    _providerPriority = int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var priority)
                        ? priority
                        : throw Error(lineNumber, $"k: expected an integer, got {QuotedText.Of(value)}");
                    break;
                case 'D':
                    _depends = Atoms(value);
                    break;
                case 'p':
                    _provides = Atoms(value);
                    break;
                case 'i':
                    _installIf = Atoms(value);
                    break;
                default:
                    // Other lower-case fields are optional by apk's rules. An unknown upper-case field makes apk
                    // refuse to install that one package, not reject the index; a mirror copies files and must not
                    // drop a whole repository because a newer apk-tools added a field. The installed-database-only
                    // fields (F, M, R, Z, ...) never occur in a repository index.
                    break;
            }
        }

        public ApkIndexEntry Build()
        {
            var name = _name ?? throw Missing('P');
            var entry = new ApkIndexEntry
            {
                Checksum = _checksum ?? throw Missing('C'),
                Name = name,
                Version = _version ?? throw Missing('V'),
                Size = _size ?? throw Missing('S'),

                // Without A: apk falls back to the repository's own architecture; so does the caller.
                Arch = _arch ?? "",
                InstalledSize = _installedSize,
                Description = _description,
                Url = _url,
                License = _license,
                Origin = _origin,
                Maintainer = _maintainer,
                BuildTime = _buildTime,
                Commit = _commit,
                ProviderPriority = _providerPriority,
                Depends = _depends,
                Provides = _provides,
                InstallIf = _installIf,
            };
            Reset();
            return entry;
        }

        private void Reset()
        {
            _startLine = 0;
            _checksum = _name = _version = _arch = null;
            _size = null;
            _installedSize = _buildTime = 0;
            _description = _url = _license = _origin = _maintainer = _commit = "";
            _providerPriority = null;
            _depends = _provides = _installIf = [];
        }

        private string Single(string? current, char field, ReadOnlySpan<char> value, int lineNumber) =>
            current is null ? value.ToString() : throw Error(lineNumber, $"{field}: appears twice in one record");

        private void RequireSafeName(char field, string value, int lineNumber)
        {
            // Names become file names and URL segments: "P-V.apk" under "<arch>/".
            if (value.Length == 0
                || !char.IsAsciiLetterOrDigit(value[0])
                || value.AsSpan().ContainsAnyExcept(NameCharacters)
                || value.Contains("..", StringComparison.Ordinal))
            {
                throw Error(lineNumber, $"{field}: {QuotedText.Of(value)} is not a safe name (expected [a-zA-Z0-9][a-zA-Z0-9.+_-]*)");
            }
        }

        private void RequireSafeVersion(string value, int lineNumber)
        {
            // Only safety is checked, not ApkVersion.IsValid: real Alpine indexes list versions apk's grammar
            // calls invalid (v3.16 main has "0.99f7-r0"), and apk installs them all the same.
            if (value.Length == 0
                || value.AsSpan().ContainsAnyExcept(VersionCharacters)
                || value.Contains("..", StringComparison.Ordinal))
            {
                throw Error(lineNumber, $"V: {QuotedText.Of(value)} is not a safe version (expected characters [0-9A-Za-z._~+-], no \"..\")");
            }
        }

        private long Number(char field, ReadOnlySpan<char> value, int lineNumber) =>
            long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? number
                : throw Error(lineNumber, $"{field}: expected a non-negative integer, got {QuotedText.Of(value)}");

        private string[] Atoms(ReadOnlySpan<char> value)
        {
            _atoms.Clear();
            foreach (var range in value.Split(' '))
            {
                if (range.Start.Value != range.End.Value)
                {
                    _atoms.Add(Intern(value[range]));
                }
            }

            return [.. _atoms];
        }

        private string Intern(ReadOnlySpan<char> value)
        {
            if (!_stringsBySpan.TryGetValue(value, out var text))
            {
                text = value.ToString();
                _strings.Add(text, text);
            }

            return text;
        }

        private ApkFormatException Missing(char field)
        {
            var package = _name is null ? "" : $" (package {_name})";
            return Error(_startLine, $"record{package} has no {field}: field");
        }

        private ApkFormatException Error(int lineNumber, string message) =>
            new(_source, $"line {lineNumber}: {message}");
    }
}
