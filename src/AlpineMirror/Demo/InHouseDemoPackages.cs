using AlpineMirror.Apk;

namespace AlpineMirror.Demo;

/// <summary>
/// The station software of the demo, built with the repository writer as the vendor's CI would build it with abuild:
/// an agent for each arch in <c>&lt;arch&gt;/</c>, and a noarch configuration package at the top of the drop folder.
/// </summary>
public static class InHouseDemoPackages
{
    private const long BuildTime = 1_717_000_000;

    /// <summary>Writes the packages, signed by <paramref name="builder"/>, into <paramref name="incoming"/>; returns their paths.</summary>
    public static IReadOnlyList<string> Write(string incoming, SigningKey builder, IReadOnlyList<string> archs)
    {
        ArgumentException.ThrowIfNullOrEmpty(incoming);
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(archs);
        var packages = new ApkPackageBuilder(builder);
        var written = new List<string>
        {
            packages.Build(Spec("station-config", "noarch", [PackageFile.Text("etc/panoptiscan/station.conf", "controller = https://controller.panoptiscan.example\n")]))
                .WriteTo(Directory.CreateDirectory(incoming).FullName),
        };
        foreach (var arch in archs)
        {
            var agent = Spec("panoptiscan-agent", arch, [PackageFile.Text("usr/bin/panoptiscan-agent", $"#!/bin/sh\necho panoptiscan agent for {arch}\n", PackageFile.ExecutableMode)]) with
            {
                Depends = ["station-config"],
            };
            written.Add(packages.Build(agent).WriteTo(Directory.CreateDirectory(Path.Combine(incoming, arch)).FullName));
        }

        return written;
    }

    private static PackageSpec Spec(string name, string arch, IReadOnlyList<PackageFile> files) => new()
    {
        Name = name,
        Version = "1.0.0-r0",
        Arch = arch,
        Description = $"Panoptiscan {name}",
        Url = "https://panoptiscan.example/",
        License = "Proprietary",
        Maintainer = "Station Team <stations@panoptiscan.example>",
        Packager = "Vendor CI <ci@panoptiscan.example>",
        BuildTime = BuildTime,
        Files = files,
    };
}
