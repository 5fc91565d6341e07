using AlpineMirror.Storage;

namespace AlpineMirror.Apk;

/// <summary>A finished .apk file and the APKINDEX record that describes it.</summary>
public sealed class BuiltApkPackage
{
    internal BuiltApkPackage(byte[] content, ApkIndexEntry entry, string dataHash)
    {
        Content = content;
        Entry = entry;
        DataHash = dataHash;
    }

    /// <summary>The whole file: signature member (if signed), control member, data member.</summary>
    public ReadOnlyMemory<byte> Content { get; }

    public ApkIndexEntry Entry { get; }

    /// <summary>The <c>datahash</c> written to .PKGINFO: lowercase hex SHA-256 of the data member.</summary>
    public string DataHash { get; }

    /// <summary>Writes the package atomically as <c>&lt;directory&gt;/&lt;P&gt;-&lt;V&gt;.apk</c> and returns that path.</summary>
    public string WriteTo(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var path = Path.Combine(directory, Entry.FileName);
        AtomicFile.WriteAllBytes(path, Content.Span);
        return path;
    }
}
