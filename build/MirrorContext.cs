using AlpineMirror.Build.Hosting;
using AlpineMirror.Configuration;
using AlpineMirror.Planning;
using AlpineMirror.Upstream;
using Cake.Core;

namespace AlpineMirror.Build;

/// <summary>The typed context every task shares: the operator's options, parsed once, and the plan once made.</summary>
public sealed class MirrorContext : FrostingContext
{
    private static readonly string[] HostSwitches = ["target", "verbosity", "exclusive", "dryrun", "help"];

    public MirrorContext(ICakeContext context)
        : base(context)
    {
        var commandLine = context.Arguments.GetArguments()
            .ToDictionary(a => a.Key, a => a.Value.Last(), StringComparer.OrdinalIgnoreCase);
        var environment = context.Environment.GetEnvironmentVariables()
            .ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
        Options = MirrorOptionsLoader.Load(commandLine, environment, HostSwitches);
    }

    public MirrorOptions Options { get; set; }

    /// <summary>Set by the Plan task; the tasks after it execute exactly this plan.</summary>
    public MirrorPlan? Plan { get; set; }

    /// <summary>Cancelled on Ctrl+C or SIGTERM, so downloads stop and temporaries are cleaned up.</summary>
    public CancellationToken Cancellation => ShutdownSignal.Token;

    public UpstreamClient CreateUpstreamClient() =>
        new(new UpstreamClientOptions { Retries = Options.Retries, Timeout = Options.Timeout });
}
