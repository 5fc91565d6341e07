namespace AlpineMirror.Apk;

/// <summary>A package, index or archive that does not follow the APK format.</summary>
public sealed class ApkFormatException(string source, string message, Exception? inner = null)
    : IntegrityException(source, message, inner);
