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
        var lines = new LineReader(reader);
        var lineNumber = 0;
        while (lines.MoveNext())
        {
            lineNumber++;
            if (record.AddLine(lines.Current, lineNumber))
            {
                yield return record.Build();
            }
        }

        if (record.HasFields)
        {
            yield return record.Build();
        }
    }

    /// <summary>
    /// Splits text into lines where <see cref="TextReader.ReadLine"/> would (LF, CR or CRLF) without a string per line:
    /// an index has about 90,000 lines and keeps only some of their values.
    /// </summary>
    private sealed class LineReader(TextReader reader)
    {
        // Alpine's longest lines are under 8,000 characters; a longer one grows the buffer.
        private const int InitialLength = 16 * 1024;

        private char[] _buffer = new char[InitialLength];
        private int _start;
        private int _end;
        private int _lineStart;
        private int _lineLength;
        private bool _afterCarriageReturn;
        private bool _endOfText;

        /// <summary>The current line without its terminator; valid until the next <see cref="MoveNext"/>.</summary>
        public ReadOnlySpan<char> Current => _buffer.AsSpan(_lineStart, _lineLength);

        public bool MoveNext()
        {
            // Characters after _start already searched for a line end, so a long line is not searched again per read.
            var searched = 0;
            while (true)
            {
                // A CR may be the first half of a CRLF whose LF arrives with the next read.
                if (_afterCarriageReturn && _start < _end)
                {
                    _afterCarriageReturn = false;
                    if (_buffer[_start] == '\n')
                    {
                        _start++;
                    }
                }

                var lineEnd = _buffer.AsSpan(_start + searched, _end - _start - searched).IndexOfAny('\r', '\n');
                if (lineEnd >= 0)
                {
                    lineEnd += _start + searched;
                    SetLine(lineEnd);
                    _afterCarriageReturn = _buffer[lineEnd] == '\r';
                    _start = lineEnd + 1;
                    return true;
                }

                searched = _end - _start;
                if (_endOfText)
                {
                    // Like ReadLine, unterminated text at the end is a last line; nothing at all is the end.
                    if (_start == _end)
                    {
                        return false;
                    }

                    SetLine(_end);
                    _start = _end;
                    return true;
                }

                Fill();
            }
        }

        private void SetLine(int end)
        {
            _lineStart = _start;
            _lineLength = end - _start;
        }

        private void Fill()
        {
            // The unfinished line moves to the front; the buffer only grows for a line longer than itself.
            var pending = _end - _start;
            if (pending == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
            else if (_start > 0)
            {
                _buffer.AsSpan(_start, pending).CopyTo(_buffer);
            }

            _start = 0;
            _end = pending;
            var read = reader.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _endOfText = true;
            }

            _end += read;
        }
    }

    /// <summary>Collects the fields of one record; reused for every record of an index.</summary>
    private sealed class RecordBuilder
    {
        // Arch, licence, maintainer, origin, URL, commit, version and dependency names repeat across records, mostly
        // among the neighbouring subpackages of one origin, so repeats share one string. The pool is cleared when
        // full instead of growing: at 4,096 strings its arrays stay below the large object heap, which only a full
        // (gen2) collection reclaims; a value seen again after a clear simply enters the pool again.
        private const int PoolCapacity = 4096;
        private readonly HashSet<string> _pool = new(PoolCapacity, StringComparer.Ordinal);
        private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _poolBySpan;
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
            _poolBySpan = _pool.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public bool HasFields => _startLine != 0;

        /// <summary>Takes one line of text; true when it is the blank line that ends a record with fields.</summary>
        public bool AddLine(ReadOnlySpan<char> line, int lineNumber)
        {
            if (line.IsEmpty)
            {
                return HasFields;
            }

            if (line.Length < 2 || line[1] != ':')
            {
                throw Error(lineNumber, $"expected \"<field>:<value>\", got {QuotedText.Of(line)}");
            }

            Add(line[0], line[2..], lineNumber);
            return false;
        }

        // Values are checked on the line's span and copied into strings only once they are known to be kept.
        private void Add(char field, ReadOnlySpan<char> value, int lineNumber)
        {
            if (_startLine == 0)
            {
                _startLine = lineNumber;
            }

            switch (field)
            {
                case 'C':
                    RequireFirst(_checksum, field, lineNumber);
                    if (!ApkChecksum.IsValid(value, out var error))
                    {
                        throw Error(lineNumber, $"C: {error}");
                    }

                    _checksum = value.ToString();
                    break;
                case 'P':
                    RequireFirst(_name, field, lineNumber);
                    RequireSafeName(field, value, lineNumber);
                    _name = value.ToString();
                    break;
                case 'V':
                    RequireFirst(_version, field, lineNumber);
                    RequireSafeVersion(value, lineNumber);
                    _version = Intern(value);
                    break;
                case 'A':
                    RequireSafeName(field, value, lineNumber);
                    _arch = Intern(value);
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
                    _url = Intern(value);
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
                    _commit = Intern(value);
                    break;
                case 'k':
                    _providerPriority = int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var priority)
                        ? priority
                        : throw Error(lineNumber, $"k: expected an integer, got {QuotedText.Of(value)}");
                    break;
                case 'D':
                    _depends = Atoms(value, intern: true);
                    break;
                case 'p':
                    // Provided names carry their package's version, so they hardly repeat and are not pooled.
                    _provides = Atoms(value, intern: false);
                    break;
                case 'i':
                    _installIf = Atoms(value, intern: true);
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

        private void RequireFirst(string? current, char field, int lineNumber)
        {
            if (current is not null)
            {
                throw Error(lineNumber, $"{field}: appears twice in one record");
            }
        }

        private void RequireSafeName(char field, ReadOnlySpan<char> value, int lineNumber)
        {
            // Names become file names and URL segments: "P-V.apk" under "<arch>/".
            if (value.Length == 0
                || !char.IsAsciiLetterOrDigit(value[0])
                || value.ContainsAnyExcept(NameCharacters)
                || value.Contains("..", StringComparison.Ordinal))
            {
                throw Error(lineNumber, $"{field}: {QuotedText.Of(value)} is not a safe name (expected [a-zA-Z0-9][a-zA-Z0-9.+_-]*)");
            }
        }

        private void RequireSafeVersion(ReadOnlySpan<char> value, int lineNumber)
        {
            // Only safety is checked, not ApkVersion.IsValid: real Alpine indexes list versions apk's grammar
            // calls invalid (v3.16 main has "0.99f7-r0"), and apk installs them all the same.
            if (value.Length == 0
                || value.ContainsAnyExcept(VersionCharacters)
                || value.Contains("..", StringComparison.Ordinal))
            {
                throw Error(lineNumber, $"V: {QuotedText.Of(value)} is not a safe version (expected characters [0-9A-Za-z._~+-], no \"..\")");
            }
        }

        private long Number(char field, ReadOnlySpan<char> value, int lineNumber) =>
            long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? number
                : throw Error(lineNumber, $"{field}: expected a non-negative integer, got {QuotedText.Of(value)}");

        private string[] Atoms(ReadOnlySpan<char> value, bool intern)
        {
            _atoms.Clear();
            foreach (var range in value.Split(' '))
            {
                if (range.Start.Value != range.End.Value)
                {
                    _atoms.Add(intern ? Intern(value[range]) : value[range].ToString());
                }
            }

            return [.. _atoms];
        }

        private string Intern(ReadOnlySpan<char> value)
        {
            if (_poolBySpan.TryGetValue(value, out var text))
            {
                return text;
            }

            if (_pool.Count == PoolCapacity)
            {
                _pool.Clear();
            }

            text = value.ToString();
            _pool.Add(text);
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
