namespace AlpineMirror.Configuration;

/// <summary>An option, setting or name supplied by the operator that the library cannot use.</summary>
public sealed class ConfigurationException(string source, string message)
    : UsageException(source, message);
