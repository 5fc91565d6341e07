namespace AlpineMirror.Deploy;

/// <summary>A finished deployment: one line for the log and, for AWX, the job's page.</summary>
public sealed record DeployResult(string Summary, Uri? JobUrl = null);
