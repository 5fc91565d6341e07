namespace AlpineMirror.Planning;

/// <summary>A boot package (kernel or Xen) and its version before and after; null where it is absent.</summary>
public sealed record KernelChange(string Package, string Arch, string? From, string? To)
{
    /// <summary>The packages whose change means the boot infrastructure must be redeployed.</summary>
    public static readonly IReadOnlyList<string> BootPackages = ["linux-lts", "linux-virt", "xen", "xen-hypervisor"];

    public bool Changed => From != To;
}
