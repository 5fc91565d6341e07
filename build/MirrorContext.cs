using AlpineMirror.Apk;
using AlpineMirror.Build.Hosting;
using AlpineMirror.ClamAv;
using AlpineMirror.Configuration;
using AlpineMirror.Deploy;
using AlpineMirror.InHouse;
using AlpineMirror.Mirroring;
using AlpineMirror.Planning;
using AlpineMirror.Reporting;
using AlpineMirror.Storage;
using AlpineMirror.Upstream;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace AlpineMirror.Build;

/// <summary>The typed context every task shares: the operator's options, parsed once, and what each step produced.</summary>
public sealed class MirrorContext : FrostingContext, IDisposable
{
    private static readonly string[] HostSwitches = ["target", "verbosity", "exclusive", "dryrun", "help"];
    private RunLock? _lock;
    private DeployTrigger? _deployTrigger;

    public MirrorContext(ICakeContext context)
        : base(context)
    {
        var commandLine = context.Arguments.GetArguments()
            .ToDictionary(a => a.Key, a => a.Value.Last(), StringComparer.OrdinalIgnoreCase);
        var environment = context.Environment.GetEnvironmentVariables()
            .ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
        Options = MirrorOptionsLoader.Load(commandLine, environment, HostSwitches);
    }

    public MirrorOptions Options { get; }

    public MirrorRoot Root => new(Options.RequireRoot());

    public UpstreamLayout Layout => new(Options.Upstream, Options.RequireBranch());

    /// <summary>Set by the Plan task; the tasks after it execute exactly this plan.</summary>
    public MirrorPlan? Plan { get; set; }

    /// <summary>The target the operator asked for, and when the run started (set by the run lifetime).</summary>
    public string Target { get; set; } = "";
    public DateTimeOffset StartedAt { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>True for <c>--dryrun</c>: tasks that change nothing run, the others are only named.</summary>
    public bool DryRun => Arguments.HasArgument("dryrun") && Arguments.GetArgument("dryrun") != "false";

    public MirrorResult? Mirrored { get; set; }

    /// <summary>The staging file system's flushes Mirror started (<see cref="StagingFlush"/>); Relink waits for them.</summary>
    public Task? StagingFlushed { get; set; }
    public VerificationReport? Verified { get; set; }
    public SnapshotSwitch? Published { get; set; }
    public DeployOutcome? Deployed { get; set; }

    /// <summary>What the in-house feed did (or, for Plan, would do) in this run.</summary>
    public InHouseResult? InHouse { get; set; }

    /// <summary>
    /// A feed's failure during Update, held back so that the deploy of a snapshot Relink already published still
    /// runs; Update throws it at its end, so the run still fails with that feed's exit code.
    /// </summary>
    public Exception? FeedFailure { get; set; }

    /// <summary>The in-house feed as the options configure it.</summary>
    public InHouseFeed InHouseFeed() => new(Root, Options.InHouse, Options.Archs, ClientOptions);

    /// <summary>What the antivirus feed did, or (in a dry run) would do.</summary>
    public ClamAvResult? Antivirus { get; set; }
    public ClamAvPlan? AntivirusPlan { get; set; }

    public ClamAvMirror CreateClamAvMirror() => new(Options.ClamAv, Root, ClientOptions);

    /// <summary>What the antivirus feed did with its <c>--clamav-apk</c> package; null when the option is off.</summary>
    public ClamAvPackageResult? AntivirusPackage { get; set; }

    public ClamAvPackagePublisher CreateClamAvPackagePublisher() => new(Options.ClamAv, Root, InHouseFeed());

    /// <summary>Cancelled on Ctrl+C or SIGTERM, so downloads stop and temporaries are cleaned up.</summary>
    public CancellationToken Cancellation => ShutdownSignal.Token;

    public MirrorPlan RequirePlan() =>
        Plan ?? throw new InvalidOperationException("no plan: run this target with its dependencies (without --exclusive)");

    /// <summary>Where the plan's snapshot is built before it is published.</summary>
    public string StagingPath => Root.StagingPath(RequirePlan().Snapshot);

    public UpstreamClientOptions ClientOptions => new() { Retries = Options.Retries, Timeout = Options.Timeout };

    public UpstreamClient CreateUpstreamClient() => new(ClientOptions);

    /// <summary>Takes the root's run lock for the rest of the run (invariant 4); a second call keeps the first lock.</summary>
    public void EnsureLocked()
    {
        if (_lock is not null)
        {
            return;
        }

        _lock = RunLock.Acquire(Root);
        if (_lock.TakenOverFrom is { } stale)
        {
            Log.Warning("Took over the lock of a run that is gone: {0}", stale);
        }
    }

    /// <summary>The release signing keys of --release-keys, or null when none are configured.</summary>
    public ReleaseSigningKeys? LoadReleaseKeys() =>
        Options.ReleaseKeys is { } path ? ReleaseSigningKeys.Load(path) : null;

    /// <summary>The configured deploy step, checked on first use (the run lifetime uses it before any task runs).</summary>
    public DeployTrigger DeployTrigger => _deployTrigger ??= DeployTrigger.FromOptions(Options, Environment.GetEnvironmentVariable);

    /// <summary>The deploy variables of a published snapshot, its kernels read from its own verified indexes.</summary>
    public DeployVariables DescribePublished(string snapshot, string? previous)
    {
        using var keys = TrustedKeys.Load(Options.Keys);
        return DeployVariables.FromPublished(Root, snapshot, previous, keys, Options.Archs, Options.Branch);
    }

    /// <summary>Deploys a published snapshot as --deploy says, streaming the deployer's output into the build log.</summary>
    public async Task DeployAsync(Func<DeployVariables> describe)
    {
        try
        {
            Deployed = await DeployTrigger.RunAsync(
                describe,
                line => Log.Write(Verbosity.Normal, LogLevel.Information, "{0}", line),
                Cancellation);
        }
        catch (DeployException exception)
        {
            Deployed = DeployOutcome.Failed(exception.Message);
            throw;
        }

        Log.Information("Deploy {0}: {1}", Deployed.Status, Deployed.Detail);
    }

    public void Dispose()
    {
        _deployTrigger?.Dispose();
        _lock?.Dispose();
    }
}
