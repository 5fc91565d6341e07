namespace AlpineMirror.Deploy;

/// <summary>When TriggerAnsible deploys (<c>--deploy</c>); see <see cref="DeployPolicyExtensions"/> for parsing and the decision.</summary>
public enum DeployPolicy
{
    /// <summary>After every publication or rollback, as the manual procedure does.</summary>
    Always,

    /// <summary>Only when linux-lts, linux-virt, xen or xen-hypervisor differ from the previous snapshot.</summary>
    KernelChange,

    /// <summary>Never; the operator deploys by other means.</summary>
    Never,
}
