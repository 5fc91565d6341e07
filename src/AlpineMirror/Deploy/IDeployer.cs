namespace AlpineMirror.Deploy;

/// <summary>Redeploys the boot infrastructure for a snapshot: a local ansible-playbook run or an AWX job.</summary>
public interface IDeployer
{
    /// <summary>Deploys with <paramref name="variables"/> as extra vars, passing progress lines to <paramref name="output"/> as they come.</summary>
    /// <exception cref="DeployException">The deployment failed, was refused or timed out.</exception>
    Task<DeployResult> DeployAsync(DeployVariables variables, Action<string> output, CancellationToken cancellationToken);
}
