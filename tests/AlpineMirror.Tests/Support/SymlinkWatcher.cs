namespace AlpineMirror.Tests.Support;

/// <summary>
/// Reads a symlink (e.g. <c>latest-stable</c>) over and over in the background, as a station's web server would,
/// and records every target it saw and every moment it pointed at nothing.
/// </summary>
public sealed class SymlinkWatcher : IAsyncDisposable
{
    private readonly string _link;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string?> _targets = [];
    private readonly List<string> _dangling = [];
    private readonly Task _loop;
    private int _reads;

    public SymlinkWatcher(string link)
    {
        _link = link;
        _loop = Task.Run(WatchAsync);
    }

    /// <summary>The target after each change, in order (consecutive repeats collapsed); null stands for "no link".</summary>
    public IReadOnlyList<string?> Targets
    {
        get
        {
            lock (_targets)
            {
                return [.. _targets];
            }
        }
    }

    /// <summary>Targets seen while they did not exist: a dangling link a station would have received a 404 for.</summary>
    public IReadOnlyList<string> Dangling
    {
        get
        {
            lock (_targets)
            {
                return [.. _dangling];
            }
        }
    }

    public int Reads => Volatile.Read(ref _reads);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task WatchAsync()
    {
        var folder = Path.GetDirectoryName(_link)!;
        while (!_stop.IsCancellationRequested)
        {
            var target = new FileInfo(_link).LinkTarget;
            var dangling = target is not null && !Directory.Exists(Path.Combine(folder, target));
            lock (_targets)
            {
                if (_targets.Count == 0 || _targets[^1] != target)
                {
                    _targets.Add(target);
                }

                if (dangling)
                {
                    _dangling.Add(target!);
                }
            }

            Interlocked.Increment(ref _reads);
            try
            {
                await Task.Delay(2, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
