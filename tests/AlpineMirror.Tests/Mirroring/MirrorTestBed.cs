using System.Collections.Concurrent;
using AlpineMirror.Apk;
using AlpineMirror.Build.Demo;
using AlpineMirror.Configuration;
using AlpineMirror.Demo;
using AlpineMirror.Mirroring;
using AlpineMirror.Planning;
using AlpineMirror.Storage;
using AlpineMirror.Tests.Apk;
using AlpineMirror.Upstream;
using Microsoft.AspNetCore.Http;

namespace AlpineMirror.Tests.Mirroring;

/// <summary>
/// A generated upstream (the demo distribution, real signed packages and indexes, release images, netboot) served over
/// HTTP on 127.0.0.1, a mirror root, and the planner and executor wired as the Update task wires them.
/// </summary>
internal sealed class MirrorTestBed : IAsyncDisposable
{
    public const string Branch = UpstreamGenerator.Branch;
    public const string Arch = UpstreamGenerator.Arch;

    // Generating the demo upstream (34 signed packages, images, netboot) takes about half a second: do it once per
    // test run and give every test bed its own copy.
    private static readonly Lazy<Template> Generated = new(Template.Create);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("alpinemirror-mirror-");
    private readonly ConcurrentQueue<(string Path, string? Range)> _requests = new();

    private MirrorTestBed()
    {
        var copy = ExternalCommand.Run("cp", ["-a", Generated.Value.Root, UpstreamRoot]);
        Assert.True(copy.ExitCode == 0, copy.Error);
        Server = new LocalUpstreamServer(UpstreamRoot);
        Server.Intercept = (context, serve) =>
        {
            _requests.Enqueue((context.Request.PathBase + context.Request.Path, context.Request.Headers.Range.ToString() is { Length: > 0 } range ? range : null));
            return Fault is { } fault ? fault(context, serve) : serve();
        };
    }

    public UpstreamRelease First => Generated.Value.First;
    public UpstreamRelease Second => Generated.Value.Second;
    public LocalUpstreamServer Server { get; }

    /// <summary>Runs around every request; null serves it normally.</summary>
    public Func<HttpContext, Func<Task>, Task>? Fault { get; set; }

    /// <summary>Fast retries so the suite stays quick; the behaviour is the one seconds would give.</summary>
    public UpstreamClientOptions ClientOptions { get; set; } = new()
    {
        Timeout = TimeSpan.FromSeconds(5),
        Retries = 2,
        BaseDelay = TimeSpan.FromMilliseconds(1),
    };

    public string WorkDirectory => _directory.FullName;
    public string UpstreamRoot => Path.Combine(WorkDirectory, "upstream");
    public string UpstreamBranch => Path.Combine(UpstreamRoot, Branch);
    public string MirrorRootPath => Path.Combine(WorkDirectory, "root");
    public UpstreamLayout Layout => new(Server.BaseUri, Branch);

    /// <summary>Every request since the last <see cref="ClearRequests"/>: its path (e.g. <c>/alpine/v3.15/main/x86_64/x.apk</c>) and Range header.</summary>
    public IReadOnlyList<(string Path, string? Range)> Requests => [.. _requests];

    public static async Task<MirrorTestBed> StartAsync()
    {
        var bed = new MirrorTestBed();
        await bed.Server.StartAsync();
        return bed;
    }

    public void ClearRequests() => _requests.Clear();

    /// <summary>The path a request for a file of the branch has, e.g. "main/x86_64/x.apk" → "/alpine/v3.15/main/x86_64/x.apk".</summary>
    public static string RequestPath(string relative) => $"/alpine/{Branch}/{relative}";

    /// <summary>Moves upstream to the next point release, as the generator's second release describes it.</summary>
    public void PublishSecondRelease() => Generated.Value.Write(UpstreamRoot, Second);

    public string KeysDirectory => Path.Combine(UpstreamRoot, UpstreamWriter.KeysDirectoryName);

    /// <summary>The OpenPGP key the generated release images are signed with, as --release-keys loads it.</summary>
    public ReleaseSigningKeys ReleaseKeys() => ReleaseSigningKeys.Load(Path.Combine(UpstreamRoot, UpstreamWriter.ReleaseKeysDirectoryName));

    public async Task<MirrorPlan> PlanAsync()
    {
        using var client = new UpstreamClient(ClientOptions);
        using var keys = TrustedKeys.Load(KeysDirectory);
        var options = new MirrorOptions
        {
            Root = MirrorRootPath,
            Upstream = Server.BaseUri,
            Branch = Branch,
            Repos = ["main", "community"],
            Archs = [Arch],
            Keys = KeysDirectory,
        };
        return await new MirrorPlanner(client, keys).PlanAsync(options, CancellationToken.None);
    }

    public string NewStaging(string name = "staging")
    {
        var path = Path.Combine(WorkDirectory, name);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A hard-link clone of <paramref name="source"/>, as the Snapshot step makes it (cp -al).</summary>
    public string CloneToStaging(string source, string name = "staging")
    {
        var path = Path.Combine(WorkDirectory, name);
        var result = ExternalCommand.Run("cp", ["-al", source, path]);
        Assert.True(result.ExitCode == 0, result.Error);
        return path;
    }

    public async Task<MirrorResult> MirrorAsync(MirrorPlan plan, string staging, IProgress<MirrorProgress>? progress = null,
        CancellationToken cancellationToken = default, MirrorSettings? settings = null, VerifiedSnapshot? previous = null)
    {
        using var client = new UpstreamClient(ClientOptions);
        // Packages' own signatures are checked as the Mirror task checks them, unless a test says otherwise.
        using var keys = TrustedKeys.Load(KeysDirectory);
        var effective = settings ?? new MirrorSettings { PackageKeys = keys };
        return await new MirrorExecutor(client, ClientOptions)
            .ExecuteAsync(plan, Layout, staging, previous, effective, progress, cancellationToken);
    }

    /// <summary>Renames a verified staging folder into the root and points latest-stable at it, as Relink does.</summary>
    public string Publish(string staging, string name)
    {
        Directory.CreateDirectory(MirrorRootPath);
        var published = Path.Combine(MirrorRootPath, name);
        Directory.Move(staging, published);
        AtomicSymlink.Replace(Path.Combine(MirrorRootPath, MirrorRoot.LatestStableName), name);
        return published;
    }

    /// <summary>Records that this tool published the folder <paramref name="name"/>, as Relink does.</summary>
    public Task RecordUpdateAsync(string name)
    {
        var root = new MirrorRoot(MirrorRootPath);
        SnapshotPublication.Record(root, name, root.SnapshotPath(name), new Dictionary<string, string>());
        return Task.CompletedTask;
    }

    /// <summary>Every file below <paramref name="directory"/> (links included, not followed) as relative path → bytes or link target.</summary>
    public static SortedDictionary<string, string> Tree(string directory)
    {
        var tree = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var pending = new Stack<string>([directory]);
        while (pending.TryPop(out var folder))
        {
            foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }))
            {
                var relative = Path.GetRelativePath(directory, entry.FullName);
                if (entry.LinkTarget is { } target)
                {
                    tree[relative] = "-> " + target;
                }
                else if (entry is DirectoryInfo)
                {
                    pending.Push(entry.FullName);
                }
                else
                {
                    tree[relative] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(entry.FullName)));
                }
            }
        }

        return tree;
    }

    /// <summary>Temporaries anywhere below <paramref name="directory"/>.</summary>
    public static IReadOnlyList<string> Temporaries(string directory) =>
        [.. Directory.EnumerateFileSystemEntries(directory, "*", new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = true })
            .Where(AtomicFile.IsTemporary)];

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _directory.Delete(recursive: true);
    }

    /// <summary>The demo upstream as first generated, and the writer that moves a copy to the second release.</summary>
    private sealed class Template
    {
        private readonly UpstreamWriter _writer;

        private Template(string root, UpstreamWriter writer, UpstreamRelease first, UpstreamRelease second)
        {
            Root = root;
            _writer = writer;
            First = first;
            Second = second;
        }

        public string Root { get; }
        public UpstreamRelease First { get; }
        public UpstreamRelease Second { get; }

        public static Template Create()
        {
            var directory = Directory.CreateTempSubdirectory("alpinemirror-mirror-template-");
            AppDomain.CurrentDomain.ProcessExit += (_, _) => directory.Delete(recursive: true);
            // The key lives as long as the test run: the writer signs with it.
            var writer = new UpstreamWriter(SigningKey.Create("tests@example.org"));
            var (first, second) = UpstreamGenerator.Demo();
            var root = Path.Combine(directory.FullName, "upstream");
            writer.Write(root, first);
            return new Template(root, writer, first, second);
        }

        public void Write(string root, UpstreamRelease release)
        {
            lock (_writer)
            {
                _writer.Write(root, release);
            }
        }
    }
}
