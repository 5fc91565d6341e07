using System.Text;
using System.Text.Json;

namespace AlpineMirror.Storage;

/// <summary>The append-only record of runs in <c>.alpinemirror/history.jsonl</c>, one JSON object per line.</summary>
/// <remarks>
/// An append rewrites the file through <see cref="AtomicFile"/> instead of appending with O_APPEND: invariant 3 allows
/// no write in place, and a crash then leaves the old history or the new one, never a torn last line that every
/// later reader would have to guess about. Copying a line per run is cheap for a file that grows by a line a week.
/// Callers hold the <see cref="RunLock"/>, so two appends never race.
/// </remarks>
public sealed class RunHistory(MirrorRoot root)
{
    public string Path => root.HistoryFile;

    /// <summary>Adds <paramref name="record"/> as the last line.</summary>
    /// <exception cref="StorageException">The history could not be rewritten.</exception>
    public Task AppendAsync(RunRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        Directory.CreateDirectory(root.StateDirectory);
        var line = JsonSerializer.SerializeToUtf8Bytes(record, StateRecordJsonContext.Default.RunRecord);
        return AtomicFile.WriteAsync(Path, async (stream, token) =>
        {
            if (File.Exists(Path))
            {
                await using var existing = File.OpenRead(Path);
                await existing.CopyToAsync(stream, token);
                if (existing.Length > 0 && !EndsWithNewLine(existing))
                {
                    // A hand edit dropped the final newline: the new record must not run into the last one.
                    stream.WriteByte((byte)'\n');
                }
            }

            await stream.WriteAsync(line, token);
            stream.WriteByte((byte)'\n');
        }, cancellationToken);
    }

    /// <summary>
    /// Every recorded run, oldest first; empty when nothing was recorded yet. A line that is not a run record (a torn or
    /// hand-edited line) is skipped and reported to <paramref name="warning"/>: a damaged history never stops a run.
    /// </summary>
    public IReadOnlyList<RunRecord> ReadAll(Action<string>? warning = null)
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        var records = new List<RunRecord>();
        using var reader = new StreamReader(Path, Encoding.UTF8);
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            if (Parse(line) is { } record)
            {
                records.Add(record);
            }
            else
            {
                var shown = line.Length > 80 ? line[..80] + "…" : line;
                warning?.Invoke($"{Path}: line {number}: expected a run record, got '{shown}'; skipped it (edit or delete that line)");
            }
        }

        return records;
    }

    private static RunRecord? Parse(string line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, StateRecordJsonContext.Default.RunRecord);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool EndsWithNewLine(FileStream file)
    {
        file.Seek(-1, SeekOrigin.End);
        return file.ReadByte() == '\n';
    }
}
