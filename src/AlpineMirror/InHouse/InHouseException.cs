namespace AlpineMirror.InHouse;

/// <summary>A package or index of the in-house feed that failed verification: nothing is published (exit code 3).</summary>
public sealed class InHouseException(string source, string message, Exception? inner = null)
    : IntegrityException(source, message, inner);
