namespace AlpineMirror.Deploy;

/// <summary>The deployment after a publication failed: the playbook exited non-zero, or the AWX job failed, was refused or timed out.</summary>
public sealed class DeployException(string source, string message, Exception? inner = null)
    : AlpineMirrorException(source, message, inner);
