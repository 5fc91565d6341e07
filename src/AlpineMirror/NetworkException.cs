namespace AlpineMirror;

/// <summary>Base of errors where an upstream could not be reached or answered, after every retry: exit code 4.</summary>
public abstract class NetworkException(string source, string message, Exception? inner = null)
    : AlpineMirrorException(source, message, inner);
