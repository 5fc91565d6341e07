using System.Diagnostics;
using AlpineMirror.Storage;
using AlpineMirror.Upstream;
using DnsClient;

namespace AlpineMirror.ClamAv;

/// <summary>
/// The antivirus feed: learns each database's newest version, fetches the missing patches and the new <c>.cvd</c>
/// (with their <c>.sign</c> files) into staging, verifies all of a database, then publishes it by renames; all while
/// keeping to ClamAV's CDN rules (an honest User-Agent, one check per interval, the waits 429 and 403 ask for).
/// </summary>
public sealed class ClamAvMirror
{
    /// <summary>The feed's name: its lock (<c>.alpinemirror/clamav.lock</c>) and its state folder.</summary>
    public const string Feed = "clamav";

    private const long MaxCvdBytes = 2L << 30;
    private const long MaxPatchBytes = 64L << 20;
    private const long MaxSignBytes = 1L << 20;

    private readonly ClamAvOptions _options;
    private readonly MirrorRoot _root;
    private readonly UpstreamClientOptions _client;
    private readonly ILookupClient? _dns;
    private readonly TimeProvider _time;
    private readonly SignFileVerifier _signatures;

    /// <param name="client">Retries and timeouts; the User-Agent and the statuses never retried are the feed's own.</param>
    /// <param name="dns">The resolver for <c>current.cvd.clamav.net</c> when <c>--clamav-dns</c>; the system's when null.</param>
    /// <exception cref="ClamAvCertificatesException">The <c>--clamav-certs</c> folder is unusable.</exception>
    public ClamAvMirror(ClamAvOptions options, MirrorRoot root, UpstreamClientOptions client, ILookupClient? dns = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(client);
        _options = options;
        _root = root;
        _client = client;
        _dns = options.Dns ? dns ?? new LookupClient() : null;
        _time = time ?? TimeProvider.System;
        _signatures = options.Certificates is { } certificates ? SignFileVerifier.FromDirectory(certificates) : SignFileVerifier.FormatOnly;
    }

    /// <summary>The feed's state: <c>.alpinemirror/clamav/</c>.</summary>
    public string StateDirectory => Path.Combine(_root.StateDirectory, Feed);

    public string StateFile => Path.Combine(StateDirectory, "cdn.json");

    public string ServedPath => _options.ServedPath(_root.Path);

    /// <summary>What an update would do, asking upstream unless it may not be asked now; writes nothing.</summary>
    public async Task<ClamAvPlan> PlanAsync(CancellationToken cancellationToken)
    {
        var state = CdnState.Load(StateFile);
        if (state.NextCheck(_options.Upstream, _options.Interval, _time.GetUtcNow()) is { } next)
        {
            return ClamAvPlan.Waiting(_options.Upstream, next.At, next.Reason);
        }

        using var client = CreateClient(state);
        try
        {
            return await PlanAsync(Upstream(client), failures: null, cancellationToken);
        }
        catch (CdnRefusal refusal)
        {
            return ClamAvPlan.Waiting(_options.Upstream, refusal.Until, refusal.Reason);
        }
    }

    /// <summary>Checks upstream (unless it may not be asked now), then fetches, verifies and publishes every database that changed.</summary>
    /// <returns>The outcome; verification failures are in <see cref="ClamAvResult.Failures"/>, the other databases published.</returns>
    /// <exception cref="UpstreamException">Upstream could not be reached, or a file that must exist is missing.</exception>
    public async Task<ClamAvResult> UpdateAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var now = _time.GetUtcNow();
        var state = CdnState.Load(StateFile);
        if (state.NextCheck(_options.Upstream, _options.Interval, now) is { } next)
        {
            var plan = ClamAvPlan.Waiting(_options.Upstream, next.At, next.Reason);
            return new ClamAvResult(plan, [], 0, 0, next.At, next.Reason, clock.Elapsed);
        }

        // Recorded before asking: a run that fails half-way still counts as a check.
        state = state.Checked(_options.Upstream, now);
        state.Save(StateFile);
        using var client = CreateClient(state);
        var upstream = Upstream(client);
        var results = new List<DatabaseResult>();
        var failures = new List<IntegrityException>();
        ClamAvPlan? checkedPlan = null;
        try
        {
            checkedPlan = await PlanAsync(upstream, failures, cancellationToken);
            foreach (var database in checkedPlan.Databases)
            {
                try
                {
                    results.Add(database.HasChanges ? await UpdateAsync(upstream, database, cancellationToken) : DatabaseResult.Unchanged(database));
                }
                catch (IntegrityException e)
                {
                    failures.Add(e);
                    results.Add(DatabaseResult.Failed(database, e));
                }
            }
        }
        catch (CdnRefusal refusal)
        {
            state.Waiting(refusal.Until, refusal.Reason).Save(StateFile);
            checkedPlan ??= ClamAvPlan.Waiting(_options.Upstream, refusal.Until, refusal.Reason);
            return new ClamAvResult(checkedPlan, results, upstream.Requests, upstream.Bytes, refusal.Until, refusal.Reason, clock.Elapsed)
            {
                Failures = failures,
            };
        }

        var nextCheck = _options.Interval > TimeSpan.Zero ? now + _options.Interval : (DateTimeOffset?)null;
        return new ClamAvResult(checkedPlan, results, upstream.Requests, upstream.Bytes, nextCheck, null, clock.Elapsed) { Failures = failures };
    }

    private UpstreamClient CreateClient(CdnState state) =>
        new(_client with
        {
            UserAgent = $"{UpstreamClientOptions.DefaultUserAgent} (ClamAV database mirror; UUID: {state.InstallationId})",
            FinalStatuses = ClamAvUpstream.FinalStatuses,
        });

    private ClamAvUpstream Upstream(UpstreamClient client) => new(client, _options.Upstream, _client.Timeout, _time);

    /// <param name="failures">Where a database whose header is malformed is recorded and left out; null: thrown.</param>
    private async Task<ClamAvPlan> PlanAsync(ClamAvUpstream upstream, List<IntegrityException>? failures, CancellationToken cancellationToken)
    {
        var notes = new List<string>();
        IReadOnlyDictionary<string, int> announced = new Dictionary<string, int>();
        if (_dns is not null)
        {
            try
            {
                announced = await DnsVersions.LookupAsync(_dns, cancellationToken);
            }
            catch (DnsResponseException e)
            {
                notes.Add($"DNS {DnsVersions.RecordName}: {e.Message}; asked each database's header instead");
            }
        }

        var databases = new List<DatabasePlan>();
        foreach (var database in _options.Databases)
        {
            UpstreamVersion version;
            try
            {
                version = announced.TryGetValue(database, out var fromDns)
                    ? new UpstreamVersion(database, fromDns, null, "dns")
                    : await upstream.HeaderAsync(database, cancellationToken);
            }
            catch (IntegrityException e) when (failures is not null)
            {
                failures.Add(e);
                notes.Add($"{database}: nothing published: {e.Message}");
                continue;
            }

            var plan = DatabasePlan.Create(ServedDatabase.Read(ServedPath, database), version, _options.Keep);
            if (plan.Note is { } note)
            {
                notes.Add($"{database}: {note}");
            }

            databases.Add(plan);
        }

        return new ClamAvPlan(_options.Upstream, databases, null, null, notes);
    }

    private async Task<DatabaseResult> UpdateAsync(ClamAvUpstream upstream, DatabasePlan plan, CancellationToken cancellationToken)
    {
        var staging = Path.Combine(StateDirectory, "staging", plan.Database);
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        Directory.CreateDirectory(staging);
        try
        {
            var (files, note) = await FetchAsync(upstream, plan, staging, cancellationToken);
            Verify(upstream, plan, staging, files);
            var (published, removed) = ClamAvPublisher.Publish(staging, ServedPath, plan.Database, files, plan.UpstreamVersion, _options.Keep);
            return new DatabaseResult(plan.Database, plan.MirrorVersion, plan.UpstreamVersion, published, removed, note ?? plan.Note, null);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    private static async Task<(List<ClamAvFile> Files, string? Note)> FetchAsync(
        ClamAvUpstream upstream, DatabasePlan plan, string staging, CancellationToken cancellationToken)
    {
        var files = new List<ClamAvFile>();
        string? note = null;
        // Newest first: where upstream's history ends (404), the older patches are gone too.
        foreach (var version in plan.Patches.Reverse())
        {
            var patch = ClamAvFile.Cdiff(plan.Database, version);
            if (!await upstream.DownloadAsync(patch, staging, MaxPatchBytes, mayBeMissing: true, cancellationToken))
            {
                note = files.Count == 0
                    ? $"upstream has no {patch.Name}, so no patches are mirrored"
                    : $"upstream no longer has {patch.Name}; patches from {version + 1} on are mirrored";
                break;
            }

            files.Add(patch);
        }

        if (plan.FetchCvd)
        {
            var cvd = ClamAvFile.Cvd(plan.Database, plan.UpstreamVersion);
            await upstream.DownloadAsync(cvd, staging, MaxCvdBytes, mayBeMissing: false, cancellationToken);
            files.Add(cvd);
        }

        foreach (var file in files.ToList())
        {
            if (await upstream.DownloadAsync(file.SignFile(), staging, MaxSignBytes, mayBeMissing: true, cancellationToken))
            {
                files.Add(file.SignFile());
            }
        }

        return (files, note);
    }

    private void Verify(ClamAvUpstream upstream, DatabasePlan plan, string staging, IReadOnlyList<ClamAvFile> files)
    {
        foreach (var file in files)
        {
            var path = Path.Combine(staging, file.Name);
            var source = upstream.UriOf(file).AbsoluteUri;
            switch (file.Kind)
            {
                case ClamAvFileKind.Cdiff:
                    var patched = CdiffVerifier.Verify(path, source);
                    if (patched != file.Version)
                    {
                        throw new ClamAvFormatException(source, $"version: the name says {file.Version}, the patch says {patched}");
                    }

                    break;
                case ClamAvFileKind.Cvd:
                    var header = CvdVerifier.Verify(path, source);
                    if (header.Version != plan.UpstreamVersion)
                    {
                        throw new ClamAvFormatException(
                            source, $"version: upstream announced {plan.UpstreamVersion} ({plan.VersionSource}), the database says {header.Version}");
                    }

                    break;
                default:
                    var signed = files.Single(f => !f.IsSign && f.SignFile() == file);
                    _signatures.Verify(path, Path.Combine(staging, signed.Name), source);
                    break;
            }
        }
    }
}
