namespace AlpineMirror.InHouse;

/// <summary>An in-house option that cannot be used as given: a missing drop folder, an exposed or missing key (exit code 2).</summary>
public sealed class InHouseSetupException(string source, string message, Exception? inner = null)
    : UsageException(source, message, inner);
