using AlpineMirror.Apk;

namespace AlpineMirror.Planning;

/// <summary>A package whose name stays but whose version or build changes.</summary>
public sealed record PackageUpdate(ApkIndexEntry From, ApkIndexEntry To);
