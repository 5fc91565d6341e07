using AlpineMirror.Configuration;
using AlpineMirror.Deploy;
using AlpineMirror.Planning;

namespace AlpineMirror.Tests.Deploy;

public sealed class DeployPolicyTests
{
    [Theory]
    [InlineData("always", DeployPolicy.Always)]
    [InlineData("kernel-change", DeployPolicy.KernelChange)]
    [InlineData("Never", DeployPolicy.Never)]
    public void Should_parse_the_three_policies(string value, DeployPolicy expected)
    {
        Assert.Equal(expected, DeployPolicy.Parse(value));
        Assert.Equal(value.ToLowerInvariant(), expected.OptionValue);
    }

    [Theory]
    [InlineData("")]
    [InlineData("kernel")]
    [InlineData("yes")]
    public void Should_refuse_other_values_naming_the_option_and_the_choices(string value)
    {
        var error = Assert.Throws<ConfigurationException>(() => DeployPolicy.Parse(value));

        Assert.Equal("--deploy", error.Source);
        Assert.Equal($"--deploy: expected always, kernel-change or never, got '{value}'", error.Message);
    }

    [Fact]
    public void Should_deploy_on_a_kernel_change_naming_what_changed()
    {
        var variables = Variables(new KernelChange("linux-lts", "x86_64", "5.15.40-r0", "5.15.41-r0"), new KernelChange("xen", "x86_64", "4.15.2-r0", "4.15.2-r0"));

        Assert.True(DeployPolicy.KernelChange.ShouldDeploy(variables, out var reason));
        Assert.Equal("--deploy=kernel-change: deploying 3.15.5, changed since 3.15.4: linux-lts 5.15.40-r0 -> 5.15.41-r0", reason);
    }

    [Fact]
    public void Should_deploy_a_mixed_fleet_when_only_the_second_architectures_kernel_changed()
    {
        // Given x86_64 stations unchanged and Raspberry Pi (aarch64) stations with a new linux-lts
        var variables = Variables(new KernelChange("linux-lts", "x86_64", "5.15.41-r0", "5.15.41-r0"), new KernelChange("linux-lts", "aarch64", "5.15.40-r0", "5.15.41-r0"))
            with { Archs = ["x86_64", "aarch64"] };

        // When and Then: the boot servers are redeployed, naming the architecture, while the first arch's kernel_changed stays false
        Assert.True(DeployPolicy.KernelChange.ShouldDeploy(variables, out var reason));
        Assert.Equal("--deploy=kernel-change: deploying 3.15.5, changed since 3.15.4: linux-lts (aarch64) 5.15.40-r0 -> 5.15.41-r0", reason);
        Assert.False(variables.KernelChanged);
    }

    [Fact]
    public void Should_deploy_on_a_xen_change()
    {
        var variables = Variables(new KernelChange("linux-lts", "x86_64", "5.15.41-r0", "5.15.41-r0"), new KernelChange("xen-hypervisor", "x86_64", "4.15.2-r0", "4.15.3-r0"));

        Assert.True(DeployPolicy.KernelChange.ShouldDeploy(variables, out var reason));
        Assert.EndsWith("xen-hypervisor 4.15.2-r0 -> 4.15.3-r0", reason);
    }

    [Fact]
    public void Should_skip_unchanged_kernels_saying_which_versions_stayed()
    {
        var variables = Variables(new KernelChange("linux-lts", "x86_64", "5.15.41-r0", "5.15.41-r0"), new KernelChange("xen", "x86_64", "4.15.2-r0", "4.15.2-r0"));

        Assert.False(DeployPolicy.KernelChange.ShouldDeploy(variables, out var reason));
        Assert.Equal("--deploy=kernel-change: not deploying 3.15.5, unchanged since 3.15.4: linux-lts 5.15.41-r0, xen 4.15.2-r0", reason);
    }

    [Fact]
    public void Should_always_or_never_deploy_whatever_changed()
    {
        var unchanged = Variables();
        var changed = Variables(new KernelChange("linux-virt", "x86_64", null, "5.15.41-r0"));

        Assert.True(DeployPolicy.Always.ShouldDeploy(unchanged, out var always));
        Assert.Equal("--deploy=always: deploying 3.15.5", always);
        Assert.False(DeployPolicy.Never.ShouldDeploy(changed, out var never));
        Assert.Equal("--deploy=never: not deploying 3.15.5", never);
        Assert.False(DeployPolicy.KernelChange.ShouldDeploy(unchanged, out var none));
        Assert.EndsWith("no linux-lts, linux-virt, xen, xen-hypervisor package", none);
    }

    private static DeployVariables Variables(params KernelChange[] kernels) => new()
    {
        Version = "3.15.5",
        PreviousVersion = "3.15.4",
        Branch = "v3.15",
        Root = "/srv/alpine",
        Arch = "x86_64",
        Kernels = kernels,
    };
}
