namespace AlpineMirror.Deploy;

/// <summary>How TriggerAnsible runs ansible-playbook: <c>--ansible-playbook</c>, <c>--ansible-inventory</c>, <c>--ansible-args</c>.</summary>
public sealed record AnsiblePlaybookSettings
{
    public const string PlaybookOption = "--ansible-playbook";
    public const string InventoryOption = "--ansible-inventory";
    public const string ArgumentsOption = "--ansible-args";

    /// <summary>The playbook file; ansible-playbook runs in its folder, so an <c>ansible.cfg</c> beside it applies.</summary>
    public required string Playbook { get; init; }
    /// <summary>An inventory file or folder, or a host list with a trailing comma (<c>localhost,</c>).</summary>
    public required string Inventory { get; init; }
    /// <summary>More arguments, split like a shell would (<c>-c local --limit 'boot*'</c>); null for none.</summary>
    public string? ExtraArguments { get; init; }
    /// <summary>The program run, looked up on PATH: Debian's ansible-core package installs it.</summary>
    public string Executable { get; init; } = "ansible-playbook";
}
