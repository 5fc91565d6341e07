namespace AlpineMirror;

/// <summary>Base of every error the library reports; the message is one line naming the file and what was wrong.</summary>
public abstract class AlpineMirrorException : Exception
{
    protected AlpineMirrorException(string source, string message, Exception? inner = null)
        : base($"{source}: {message}", inner)
    {
        Source = source;
    }

    /// <summary>The file, URL or setting the error is about.</summary>
    public new string Source { get; }
}
