using AlpineMirror.Configuration;
using AlpineMirror.Planning;

namespace AlpineMirror.Deploy;

/// <summary>Parses <c>--deploy</c> and decides, with a reason for the log, whether a publication is deployed.</summary>
public static class DeployPolicyExtensions
{
    public const string OptionName = "--deploy";

    extension(DeployPolicy)
    {
        /// <summary>Parses <c>always</c>, <c>kernel-change</c> or <c>never</c> (case-insensitive).</summary>
        /// <exception cref="ConfigurationException">Any other value.</exception>
        public static DeployPolicy Parse(string value)
        {
            ArgumentNullException.ThrowIfNull(value);
            return value.Trim().ToLowerInvariant() switch
            {
                "always" => DeployPolicy.Always,
                "kernel-change" => DeployPolicy.KernelChange,
                "never" => DeployPolicy.Never,
                _ => throw new ConfigurationException(OptionName, $"expected always, kernel-change or never, got '{value}'"),
            };
        }
    }

    extension(DeployPolicy policy)
    {
        /// <summary>The option value this policy is spelled as: <c>always</c>, <c>kernel-change</c>, <c>never</c>.</summary>
        public string OptionValue => policy switch
        {
            DeployPolicy.Always => "always",
            DeployPolicy.KernelChange => "kernel-change",
            DeployPolicy.Never => "never",
            _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, "not a deploy policy"),
        };

        /// <summary>Whether to deploy <paramref name="variables"/>; <paramref name="reason"/> says why, for the log either way.</summary>
        public bool ShouldDeploy(DeployVariables variables, out string reason)
        {
            ArgumentNullException.ThrowIfNull(variables);
            var option = $"{OptionName}={policy.OptionValue}";
            switch (policy)
            {
                case DeployPolicy.Always:
                    reason = $"{option}: deploying {variables.Version}";
                    return true;
                case DeployPolicy.Never:
                    reason = $"{option}: not deploying {variables.Version}";
                    return false;
                default:
                    var changed = variables.Kernels.Where(k => k.Changed).ToList();
                    if (changed.Count > 0)
                    {
                        reason = $"{option}: deploying {variables.Version}, changed since {variables.PreviousVersion ?? "nothing"}: "
                            + string.Join(", ", changed.Select(k => $"{Name(k, variables)} {k.From ?? "none"} -> {k.To ?? "none"}"));
                        return true;
                    }

                    var kept = variables.Kernels.Count > 0
                        ? string.Join(", ", variables.Kernels.Select(k => $"{Name(k, variables)} {k.To}"))
                        : "no " + string.Join(", ", KernelChange.BootPackages) + " package";
                    reason = $"{option}: not deploying {variables.Version}, unchanged since {variables.PreviousVersion}: {kept}";
                    return false;
            }
        }
    }

    // A mixed fleet deploys on a change of any architecture's kernel: say whose.
    private static string Name(KernelChange kernel, DeployVariables variables) =>
        variables.Archs.Count > 1 ? $"{kernel.Package} ({kernel.Arch})" : kernel.Package;
}
