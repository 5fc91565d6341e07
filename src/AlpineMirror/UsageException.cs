namespace AlpineMirror;

/// <summary>Base of errors in what the operator asked for (an option, a name, a config file): exit code 2.</summary>
public abstract class UsageException(string source, string message, Exception? inner = null)
    : AlpineMirrorException(source, message, inner);
