namespace AlpineMirror;

/// <summary>
/// Base of errors where content failed verification (a signature, a checksum, a format, a staged tree):
/// nothing of it is published; exit code 3. Every feed's verification errors derive from it.
/// </summary>
public abstract class IntegrityException(string source, string message, Exception? inner = null)
    : AlpineMirrorException(source, message, inner);
