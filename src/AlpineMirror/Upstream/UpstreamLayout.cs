using System.Text;
using System.Text.RegularExpressions;
using AlpineMirror.Apk;
using AlpineMirror.Configuration;

namespace AlpineMirror.Upstream;

/// <summary>Where one branch of an Alpine mirror keeps its indexes, packages and release files, upstream and inside a snapshot.</summary>
/// <remarks>
/// A snapshot folder mirrors upstream's <c>&lt;branch&gt;/</c> tree (DESIGN.md §2), so the relative paths are the
/// URL paths below the branch. Relative paths use <c>/</c>, as URLs do.
/// </remarks>
public sealed partial record UpstreamLayout
{
    /// <summary>The name of every repository index.</summary>
    public const string IndexFileName = "APKINDEX.tar.gz";

    /// <summary>The release metadata published per branch and architecture.</summary>
    public const string LatestReleasesFileName = "latest-releases.yaml";

    /// <summary>Alpine's official CDN.</summary>
    public static Uri DefaultBaseUri { get; } = new("https://dl-cdn.alpinelinux.org/alpine/");

    /// <summary>A layout for <paramref name="branch"/> on <see cref="DefaultBaseUri"/>.</summary>
    public UpstreamLayout(string branch)
        : this(DefaultBaseUri, branch)
    {
    }

    /// <summary>A layout for <paramref name="branch"/> below <paramref name="baseUri"/> (with or without a trailing slash).</summary>
    /// <exception cref="ConfigurationException">The URI is not absolute http(s) or the branch is not vX.Y, edge or latest-stable.</exception>
    public UpstreamLayout(Uri baseUri, string branch)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        ArgumentNullException.ThrowIfNull(branch);
        if (!baseUri.IsAbsoluteUri || (baseUri.Scheme != Uri.UriSchemeHttp && baseUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ConfigurationException("upstream", $"expected an absolute http or https URI, got '{baseUri.OriginalString}'");
        }

        if (baseUri.Query.Length > 0 || baseUri.Fragment.Length > 0)
        {
            throw new ConfigurationException("upstream", $"expected a URI without query or fragment, got '{baseUri.OriginalString}'");
        }

        if (!BranchPattern().IsMatch(branch))
        {
            throw new ConfigurationException("branch", $"expected vX.Y, edge or latest-stable, got '{Printable(branch)}'");
        }

        // Without the trailing slash, relative resolution would drop the last path segment ("alpine").
        BaseUri = baseUri.AbsoluteUri.EndsWith('/') ? baseUri : new Uri(baseUri.AbsoluteUri + "/");
        Branch = branch;
    }

    /// <summary>The mirror root, always ending with <c>/</c>, e.g. <c>https://dl-cdn.alpinelinux.org/alpine/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>The branch folder: <c>v3.15</c>, <c>edge</c> or <c>latest-stable</c>.</summary>
    public string Branch { get; }

    /// <summary>The branch's own URI, ending with <c>/</c>.</summary>
    public Uri BranchUri => new(BaseUri.AbsoluteUri + Branch + "/");

    /// <summary><c>&lt;upstream&gt;/&lt;branch&gt;/&lt;repo&gt;/&lt;arch&gt;/APKINDEX.tar.gz</c>.</summary>
    public Uri IndexUri(string repository, string arch) => Resolve(IndexPath(repository, arch));

    /// <summary><c>&lt;upstream&gt;/&lt;branch&gt;/&lt;repo&gt;/&lt;arch&gt;/&lt;fileName&gt;</c>.</summary>
    public Uri PackageUri(string repository, string arch, string fileName) => Resolve(PackagePath(repository, arch, fileName));

    /// <summary><c>&lt;upstream&gt;/&lt;branch&gt;/releases/&lt;arch&gt;/</c>.</summary>
    public Uri ReleasesUri(string arch) => Resolve(ReleasesPath(arch) + "/");

    /// <summary><c>&lt;upstream&gt;/&lt;branch&gt;/releases/&lt;arch&gt;/latest-releases.yaml</c>.</summary>
    public Uri LatestReleasesUri(string arch) => Resolve(LatestReleasesPath(arch));

    /// <summary><c>&lt;upstream&gt;/&lt;branch&gt;/releases/&lt;arch&gt;/&lt;relativePath&gt;</c>, e.g. <c>netboot-3.15.5/vmlinuz-lts</c>.</summary>
    public Uri ReleaseFileUri(string arch, string relativePath) => Resolve(ReleaseFilePath(arch, relativePath));

    /// <summary><c>&lt;repo&gt;/&lt;arch&gt;/APKINDEX.tar.gz</c> inside a snapshot.</summary>
    public static string IndexPath(string repository, string arch) =>
        $"{RepositoryPath(repository, arch)}/{IndexFileName}";

    /// <summary><c>&lt;repo&gt;/&lt;arch&gt;</c> inside a snapshot.</summary>
    public static string RepositoryPath(string repository, string arch)
    {
        RequireName("repository", repository);
        RequireName("arch", arch);
        return $"{repository}/{arch}";
    }

    /// <summary><c>&lt;repo&gt;/&lt;arch&gt;/&lt;fileName&gt;</c> inside a snapshot.</summary>
    /// <exception cref="ApkFormatException">The file name (taken from an index) is not a plain file name.</exception>
    public static string PackagePath(string repository, string arch, string fileName)
    {
        var directory = RepositoryPath(repository, arch);
        RequirePackageFileName(directory, fileName);
        return $"{directory}/{fileName}";
    }

    /// <summary>Refuses a file name from the index of <paramref name="directory"/> (<c>&lt;repo&gt;/&lt;arch&gt;</c>) that is not a plain file name.</summary>
    /// <exception cref="ApkFormatException">The file name is not a plain file name.</exception>
    public static void RequirePackageFileName(string directory, string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        if (!IsPlainFileName(fileName))
        {
            throw new ApkFormatException($"{directory}/{IndexFileName}", $"package file name: expected a plain file name, got '{Printable(fileName)}'");
        }
    }

    /// <summary><c>releases/&lt;arch&gt;</c> inside a snapshot.</summary>
    public static string ReleasesPath(string arch)
    {
        RequireName("arch", arch);
        return $"releases/{arch}";
    }

    /// <summary><c>releases/&lt;arch&gt;/latest-releases.yaml</c> inside a snapshot.</summary>
    public static string LatestReleasesPath(string arch) => $"{ReleasesPath(arch)}/{LatestReleasesFileName}";

    /// <summary><c>releases/&lt;arch&gt;/&lt;relativePath&gt;</c> inside a snapshot; subfolders such as <c>netboot-3.15.5/</c> are allowed.</summary>
    /// <exception cref="ReleaseFormatException">A segment is empty, <c>.</c>, <c>..</c> or holds a backslash or control character.</exception>
    public static string ReleaseFilePath(string arch, string relativePath)
    {
        var directory = ReleasesPath(arch);
        ArgumentNullException.ThrowIfNull(relativePath);
        if (!relativePath.Split('/').All(IsPlainFileName))
        {
            throw new ReleaseFormatException($"{directory}/", $"release file path: expected file names separated by '/', got '{Printable(relativePath)}'");
        }

        return $"{directory}/{relativePath}";
    }

    /// <summary>True for a single path segment that cannot climb out of, or hide inside, its folder.</summary>
    internal static bool IsPlainFileName(string name)
    {
        if (name.Length == 0 || name is "." or "..")
        {
            return false;
        }

        // A loop, not LINQ: the planner checks every package of every index, tens of thousands per run.
        foreach (var c in name)
        {
            if (c is '/' or '\\' || char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }

    private Uri Resolve(string relativePath)
    {
        var uri = new StringBuilder(BaseUri.AbsoluteUri).Append(Branch);
        foreach (var segment in relativePath.Split('/'))
        {
            uri.Append('/');
            AppendEscaped(uri, segment);
        }

        return new Uri(uri.ToString());
    }

    // Uri.EscapeDataString would also escape '+', which RFC 3986 allows in a path and which apk requests
    // literally (libstdc++-…apk); escape only what a path segment cannot hold.
    private static void AppendEscaped(StringBuilder uri, string segment)
    {
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in segment.EnumerateRunes())
        {
            if (rune.IsAscii && (char.IsAsciiLetterOrDigit((char)rune.Value) || "-._~!$&'()*+,;=:@".Contains((char)rune.Value)))
            {
                uri.Append((char)rune.Value);
                continue;
            }

            var length = rune.EncodeToUtf8(utf8);
            foreach (var b in utf8[..length])
            {
                uri.Append('%').Append(b.ToString("X2"));
            }
        }
    }

    private static void RequireName(string field, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!NamePattern().IsMatch(value))
        {
            throw new ConfigurationException(field, $"expected lower-case letters, digits and '_', got '{Printable(value)}'");
        }
    }

    /// <summary>Makes control characters visible so a hostile name cannot break the one-line message.</summary>
    internal static string Printable(string value) =>
        string.Concat(value.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));

    // \z, not $: '$' also matches before a trailing newline.
    [GeneratedRegex(@"\A(v[0-9]+\.[0-9]+|edge|latest-stable)\z")]
    private static partial Regex BranchPattern();

    [GeneratedRegex(@"\A[a-z0-9_]+\z")]
    private static partial Regex NamePattern();
}
