using AlpineMirror.Build.Demo;
using AlpineMirror.ClamAv;
using AlpineMirror.Tests.Apk;

namespace AlpineMirror.Tests.ClamAv;

/// <summary>
/// The real client: Debian's freshclam (installed by .ci/run) updates a station from what the Antivirus feed
/// published, served on 127.0.0.1 the way the mirror's web server serves <c>[ALPINE]/clamav/</c>.
/// </summary>
public sealed class FreshclamTests
{
    [Fact]
    public async Task Should_bring_a_station_holding_version_1_to_version_6_through_the_patches()
    {
        await using var station = await StationAsync();
        File.Copy(ClamAvFixtures.File("test-1.cvd"), Path.Combine(station.Database, "test.cvd"));

        var run = station.Freshclam();

        Assert.True(run.ExitCode == 0, $"freshclam exited {run.ExitCode}: {run.OutputText} {run.Error}");
        Assert.Equal(6, station.Version());
        Assert.Equal(["test.cvd", "test-2.cdiff", "test-3.cdiff", "test-4.cdiff", "test-5.cdiff", "test-6.cdiff"], station.Requests());
        Assert.Contains("test.cld updated (version: 6", run.OutputText);
    }

    [Fact]
    public async Task Should_give_an_empty_station_the_whole_database()
    {
        await using var station = await StationAsync();

        var run = station.Freshclam();

        Assert.True(run.ExitCode == 0, $"freshclam exited {run.ExitCode}: {run.OutputText} {run.Error}");
        Assert.Equal(6, station.Version());
        Assert.Equal(["test.cvd", "test.cvd"], station.Requests());
        Assert.Contains("test.cvd updated (version: 6", run.OutputText);
    }

    private static async Task<Station> StationAsync()
    {
        var bed = await ClamAvTestBed.StartAsync(version: 6);
        var result = await bed.Mirror().UpdateAsync(CancellationToken.None);
        Assert.Empty(result.Failures);
        var web = new LocalUpstreamServer(bed.Served, "/clamav");
        await web.StartAsync();
        return new Station(bed, web);
    }

    private sealed class Station(ClamAvTestBed bed, LocalUpstreamServer web) : IAsyncDisposable
    {
        private string Folder { get; } = Directory.CreateDirectory(Path.Combine(bed.Scratch, "station")).FullName;

        public string Database { get; } = Directory.CreateDirectory(Path.Combine(bed.Scratch, "station", "db")).FullName;

        /// <summary>freshclam as a station runs it, with the freshclam.conf lines README gives.</summary>
        public ExternalCommand.Result Freshclam()
        {
            var config = Path.Combine(Folder, "freshclam.conf");
            File.WriteAllText(config, $"""
                DatabaseMirror {web.BaseUri.AbsoluteUri.TrimEnd('/')}
                DNSDatabaseInfo no
                DatabaseDirectory {Database}
                UpdateLogFile {Path.Combine(Folder, "freshclam.log")}
                DatabaseOwner root
                """);
            return ExternalCommand.Run("freshclam", [$"--config-file={config}", "--no-dns", "--update-db=test", "--stdout"]);
        }

        /// <summary>The version in the header of the station's database, patched (.cld, whose md5 and dsig are blank) or whole (.cvd).</summary>
        public int Version()
        {
            var path = new[] { "test.cld", "test.cvd" }.Select(n => Path.Combine(Database, n)).First(File.Exists);
            return int.Parse(System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(path), 0, CvdHeader.Length).Split(':')[2]);
        }

        public IReadOnlyList<string> Requests() => web.RequestedPaths.Select(p => p["/clamav/".Length..]).ToList();

        public async ValueTask DisposeAsync()
        {
            await web.DisposeAsync();
            await bed.DisposeAsync();
        }
    }
}
