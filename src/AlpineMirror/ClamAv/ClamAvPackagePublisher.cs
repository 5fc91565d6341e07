using AlpineMirror.InHouse;
using AlpineMirror.Storage;

namespace AlpineMirror.ClamAv;

/// <summary>
/// Puts the served databases into the in-house repository as <c>--clamav-apk</c> (see <see cref="ClamAvDatabasePackage"/>),
/// signed with the in-house key and published through <see cref="InHouseFeed.PublishAsync"/>, so stations that take
/// everything through <c>apk upgrade</c> get fresh signatures too. Runs after the antivirus feed published.
/// </summary>
public sealed class ClamAvPackagePublisher
{
    private readonly ClamAvOptions _options;
    private readonly string _name;
    private readonly MirrorRoot _root;
    private readonly InHouseFeed _inHouse;

    /// <param name="options">The feed's options; <see cref="ClamAvOptions.Package"/> names the package.</param>
    public ClamAvPackagePublisher(ClamAvOptions options, MirrorRoot root, InHouseFeed inHouse)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(inHouse);
        _name = options.Package ?? throw new ArgumentException("no package name (--clamav-apk)", nameof(options));
        _options = options;
        _root = root;
        _inHouse = inHouse;
    }

    /// <summary>Where the package is built before the in-house feed takes it: <c>.alpinemirror/clamav/package/</c>.</summary>
    public string BuildDirectory => Path.Combine(_root.StateDirectory, ClamAvMirror.Feed, "package");

    /// <summary>Publishes a package of the served databases unless the in-house repository already lists their versions.</summary>
    /// <returns>What happened: published, already listed, or not every database served yet.</returns>
    /// <exception cref="ClamAvFormatException">A served database no longer verifies (the file is named).</exception>
    /// <exception cref="InHouseSetupException">The in-house key is missing or unusable.</exception>
    /// <exception cref="InHouseException">The in-house feed refused the package.</exception>
    public async Task<ClamAvPackageResult> PublishAsync(CancellationToken cancellationToken)
    {
        var package = ClamAvDatabasePackage.Read(_name, _options.ServedPath(_root.Path), _options.Databases);
        if (package is null)
        {
            return new ClamAvPackageResult(_name, null, false, $"not every database ({string.Join(", ", _options.Databases)}) is served yet");
        }

        // Asked before building: a build reads and compresses every database, and must never be offered again under
        // a version already listed, where a byte that differs (another zlib) would be refused as a second build.
        if (_inHouse.Lists(package.Name, package.Version))
        {
            return new ClamAvPackageResult(_name, package.Version, false, "already in the in-house repository");
        }

        using var key = _inHouse.LoadKey();
        var built = package.Build(key);
        var folder = Directory.CreateDirectory(BuildDirectory).FullName;
        try
        {
            var result = await _inHouse.PublishAsync([built.WriteTo(folder)], cancellationToken);
            return new ClamAvPackageResult(_name, package.Version, result.Published, result.Summary());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
