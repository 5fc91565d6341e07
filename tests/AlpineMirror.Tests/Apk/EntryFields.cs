using AlpineMirror.Apk;

namespace AlpineMirror.Tests.Apk;

/// <summary>Every field of an index entry as one line, because record equality compares the lists by reference.</summary>
internal static class EntryFields
{
    public static string Of(ApkIndexEntry entry) => string.Join(" | ",
        entry.Checksum, entry.Name, entry.Version, entry.Arch, entry.Size, entry.InstalledSize, entry.Description, entry.Url,
        entry.License, entry.Origin, entry.Maintainer, entry.BuildTime, entry.Commit, entry.ProviderPriority,
        string.Join(' ', entry.Depends), string.Join(' ', entry.Provides), string.Join(' ', entry.InstallIf));
}
