using AlpineMirror.Configuration;
using AlpineMirror.Reporting;
using AlpineMirror.Storage;

namespace AlpineMirror.Deploy;

/// <summary>
/// The deploy step as the operator configured it: which deployer (ansible-playbook or AWX), under which policy.
/// Built before anything runs, so a typo in a deploy option fails the run before it mirrors, not after it publishes.
/// </summary>
public sealed class DeployTrigger : IDisposable
{
    private readonly IDeployer? _deployer;
    private readonly DeployPolicy _policy;

    private DeployTrigger(IDeployer? deployer, DeployPolicy policy)
    {
        _deployer = deployer;
        _policy = policy;
    }

    /// <exception cref="ConfigurationException">Both modes are configured, or one of them is incomplete.</exception>
    public static DeployTrigger FromOptions(MirrorOptions options, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.AwxUrl is not null && options.AnsiblePlaybook is not null)
        {
            throw new ConfigurationException(AwxSettings.UrlOption, $"choose one way to deploy: {AwxSettings.UrlOption} or {AnsiblePlaybookSettings.PlaybookOption}, not both");
        }

        IDeployer? deployer = null;
        if (options.Deploy != DeployPolicy.Never && options.AwxUrl is { } awxUrl)
        {
            deployer = new AwxDeployer(
                new AwxSettings { Url = awxUrl, JobTemplate = options.AwxJobTemplate ?? "" },
                AwxDeployer.ReadToken(environment));
        }
        else if (options.Deploy != DeployPolicy.Never && options.AnsiblePlaybook is { } playbook)
        {
            deployer = new AnsiblePlaybookDeployer(new AnsiblePlaybookSettings
            {
                Playbook = playbook,
                Inventory = options.AnsibleInventory
                    ?? throw new ConfigurationException(AnsiblePlaybookSettings.InventoryOption, "the inventory is required with --ansible-playbook (a file, or a host list like 'bootserver,')"),
                ExtraArguments = options.AnsibleArgs,
            });
        }

        return new DeployTrigger(deployer, options.Deploy);
    }

    /// <summary>Whether a deployer is configured and the policy allows deploying at all.</summary>
    public bool Deploys => _deployer is not null;

    /// <summary>
    /// Deploys if a deployer is configured and the policy wants it; says why not otherwise. The variables are only
    /// computed when there is a deployer, since reading a snapshot's kernels needs the trusted keys. A deploy that
    /// completes, or that the policy finds unneeded, is recorded in the root's <see cref="DeployState"/>.
    /// </summary>
    /// <exception cref="DeployException">The playbook or the AWX job failed.</exception>
    public async Task<DeployOutcome> RunAsync(Func<DeployVariables> describe, Action<string> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(describe);
        if (_deployer is null)
        {
            return DeployOutcome.Skipped(_policy == DeployPolicy.Never
                ? $"{DeployPolicyExtensions.OptionName}=never"
                : $"no {AnsiblePlaybookSettings.PlaybookOption} or {AwxSettings.UrlOption} is configured");
        }

        var variables = describe();
        var state = new DeployState(new MirrorRoot(variables.Root));
        if (!_policy.ShouldDeploy(variables, out var reason))
        {
            state.Record(variables.Version);
            return DeployOutcome.Skipped(reason);
        }

        output(reason);
        var result = await _deployer.DeployAsync(variables, output, cancellationToken);
        state.Record(variables.Version);
        return DeployOutcome.Deployed(result.JobUrl is null ? result.Summary : $"{result.Summary} ({result.JobUrl})");
    }

    public void Dispose() => (_deployer as IDisposable)?.Dispose();
}
