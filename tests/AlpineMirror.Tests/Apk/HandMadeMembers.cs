using System.Formats.Tar;
using System.IO.Compression;

namespace AlpineMirror.Tests.Apk;

/// <summary>Tar entries and gzip members made with the base library, outside the product's writer, for hand-built packages.</summary>
internal static class HandMadeMembers
{
    /// <summary>A tar holding one file; <paramref name="cut"/> leaves out the end-of-archive blocks, as abuild does for the control member.</summary>
    public static byte[] Tar(string name, byte[] content, bool cut)
    {
        var tar = new MemoryStream();
        int length;
        using (var writer = new TarWriter(tar, TarEntryFormat.Gnu, leaveOpen: true))
        {
            writer.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
            length = (int)tar.Position;
        }

        return cut ? tar.ToArray()[..length] : tar.ToArray();
    }

    public static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
