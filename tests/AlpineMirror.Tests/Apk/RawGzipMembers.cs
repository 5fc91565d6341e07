using ICSharpCode.SharpZipLib.Zip.Compression;

namespace AlpineMirror.Tests.Apk;

/// <summary>
/// Splits a file into its raw gzip members with SharpZipLib's inflater, which reports how much input it did not use.
/// Tests use it instead of the production reader so that writer and reader are not checked by the same code.
/// </summary>
internal static class RawGzipMembers
{
    private const int HeaderLength = 10;
    private const int TrailerLength = 8;

    public static List<byte[]> Split(byte[] file)
    {
        var members = new List<byte[]>();
        var offset = 0;
        var buffer = new byte[64 * 1024];
        while (offset < file.Length)
        {
            if (file.Length - offset < HeaderLength || file[offset] != 0x1f || file[offset + 1] != 0x8b || file[offset + 2] != 8)
            {
                throw new InvalidDataException($"offset {offset}: no gzip member header");
            }

            // Members written by gzip -n and by .NET carry no optional header fields.
            if (file[offset + 3] != 0)
            {
                throw new InvalidDataException($"offset {offset}: gzip flags {file[offset + 3]} not supported by this test tool");
            }

            var inflater = new Inflater(noHeader: true);
            inflater.SetInput(file, offset + HeaderLength, file.Length - offset - HeaderLength);
            while (!inflater.IsFinished)
            {
                if (inflater.Inflate(buffer) == 0 && inflater.IsNeedingInput)
                {
                    throw new InvalidDataException($"offset {offset}: gzip member is truncated");
                }
            }

            var end = file.Length - inflater.RemainingInput + TrailerLength;
            members.Add(file[offset..end]);
            offset = end;
        }

        return members;
    }
}
