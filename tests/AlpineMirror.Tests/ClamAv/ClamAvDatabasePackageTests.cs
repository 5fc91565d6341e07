using AlpineMirror.Apk;
using AlpineMirror.ClamAv;
using AlpineMirror.Tests.Apk;

namespace AlpineMirror.Tests.ClamAv;

/// <summary>The served databases packaged as an APK, checked with GNU tar and the package reader, not the builder.</summary>
public sealed class ClamAvDatabasePackageTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("clamav-apk-").FullName;
    private readonly SigningKey _key = SigningKey.Create("mirror@example.org");

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_scratch, recursive: true);
    }

    private string Served => Path.Combine(_scratch, "served");

    /// <summary>Serves the fixture <paramref name="fixture"/> as <c>&lt;database&gt;.cvd</c> (the files do not name their database).</summary>
    private void Serve(string database, string fixture)
    {
        Directory.CreateDirectory(Served);
        File.Copy(ClamAvFixtures.File(fixture), Path.Combine(Served, database + ".cvd"), overwrite: true);
    }

    private ClamAvDatabasePackage Read(params string[] databases) =>
        ClamAvDatabasePackage.Read("clamav-db", Served, databases) ?? throw new InvalidOperationException("nothing served");

    [Fact]
    public void Should_package_every_served_database_under_var_lib_clamav_byte_for_byte()
    {
        // Given daily at version 6 and bytecode at version 19 in the served folder
        Serve("daily", "test-6.cvd");
        Serve("bytecode", "bytecode.cvd");

        // When they are packaged and the package is written
        var package = Read("bytecode", "daily").Build(_key);
        var path = package.WriteTo(_scratch);

        // Then the package reader accepts it as clamav-db 6.19-r0 for every arch
        var entry = ApkPackageReader.ReadIndexEntry(path);
        Assert.Equal(("clamav-db", "6.19-r0", "noarch"), (entry.Name, entry.Version, entry.Arch));
        Assert.Equal("https://www.clamav.net/", entry.Url);
        Assert.Equal("GPL-2.0-only", entry.License);

        // And GNU tar extracts exactly the two databases from the data member, byte for byte
        var members = RawGzipMembers.Split(File.ReadAllBytes(path));
        var extracted = Directory.CreateDirectory(Path.Combine(_scratch, "station")).FullName;
        ExternalCommand.Require("tar", ["-xzf", "-", "-C", extracted], members[2]);
        Assert.Equal(
            ["var/lib/clamav/bytecode.cvd", "var/lib/clamav/daily.cvd"],
            Directory.GetFiles(extracted, "*", SearchOption.AllDirectories).Select(file => Path.GetRelativePath(extracted, file)).Order(StringComparer.Ordinal));
        Assert.Equal(File.ReadAllBytes(ClamAvFixtures.File("test-6.cvd")), File.ReadAllBytes(Path.Combine(extracted, "var/lib/clamav/daily.cvd")));
        Assert.Equal(File.ReadAllBytes(ClamAvFixtures.File("bytecode.cvd")), File.ReadAllBytes(Path.Combine(extracted, "var/lib/clamav/bytecode.cvd")));

        // And its .PKGINFO, as tar reads it, names the version and the newest database's build time
        var pkginfo = ExternalCommand.Require("tar", ["-xzOf", "-", ".PKGINFO"], members[1]).OutputText;
        Assert.Contains("pkgver = 6.19-r0\n", pkginfo);
        Assert.Contains("arch = noarch\n", pkginfo);
        Assert.Contains($"builddate = {CvdHeader.Read(ClamAvFixtures.File("test-6.cvd")).BuildEpoch}\n", pkginfo);
    }

    [Fact]
    public void Should_give_equal_bytes_for_equal_databases_and_a_higher_version_when_any_database_moves()
    {
        // Given daily 5 and main 3
        Serve("daily", "test-5.cvd");
        Serve("main", "test-3.cvd");
        var first = Read("main", "daily");

        // When the same databases are packaged twice, then main moves to 4, then daily to 6
        var firstBytes = first.Build(_key).Content.ToArray();
        var againBytes = Read("main", "daily").Build(_key).Content.ToArray();
        Serve("main", "test-4.cvd");
        var newerMain = Read("main", "daily");
        Serve("daily", "test-6.cvd");
        var newerDaily = Read("main", "daily");

        // Then equal databases make the same package, byte for byte
        Assert.Equal(firstBytes, againBytes);

        // And the version reads daily first and rises with either database, as apk compares versions
        Assert.Equal(["5.3-r0", "5.4-r0", "6.4-r0"], new[] { first.Version, newerMain.Version, newerDaily.Version });
        Assert.True(ApkVersion.Compare(newerMain.Version, first.Version) > 0);
        Assert.True(ApkVersion.Compare(newerDaily.Version, newerMain.Version) > 0);
    }

    [Fact]
    public void Should_make_no_package_while_a_configured_database_is_not_served()
    {
        // Given daily served but bytecode not yet
        Serve("daily", "test-6.cvd");

        // When the package is described
        var package = ClamAvDatabasePackage.Read("clamav-db", Served, ["daily", "bytecode"]);

        // Then there is none
        Assert.Null(package);
    }

    [Fact]
    public void Should_refuse_a_served_database_that_no_longer_verifies_naming_the_file()
    {
        // Given a served daily whose body was damaged after it was published
        Serve("daily", "test-6.cvd");
        var daily = Path.Combine(Served, "daily.cvd");
        File.Copy(ClamAvFixtures.Flipped(_scratch, "test-6.cvd", -100), daily, overwrite: true);

        // When it is packaged
        var error = Assert.Throws<ClamAvFormatException>(() => Read("daily").Build(_key));

        // Then the error names the file and the MD5 that does not match
        Assert.Equal(daily, error.Source);
        Assert.Contains("md5:", error.Message);
    }

    [Fact]
    public void Should_refuse_a_database_that_changed_between_naming_and_building_the_package()
    {
        // Given a package named from daily 5
        Serve("daily", "test-5.cvd");
        var package = Read("daily");

        // When daily moves to 6 before the package is built
        Serve("daily", "test-6.cvd");
        var error = Assert.Throws<ClamAvFormatException>(() => package.Build(_key));

        // Then nothing is built under a version that does not match its content
        Assert.Equal(Path.Combine(Served, "daily.cvd"), error.Source);
        Assert.Contains("version: expected 5", error.Message);
    }
}
