namespace AlpineMirror.Mirroring;

/// <summary>Staging could not be brought to the plan: a write failed (a full disk), or staging or the plan is unusable.</summary>
public sealed class MirrorException(string source, string message, Exception? inner = null)
    : AlpineMirrorException(source, message, inner);
