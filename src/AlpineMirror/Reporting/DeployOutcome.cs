namespace AlpineMirror.Reporting;

/// <summary>What the deploy step did: deployed (with where to see it), skipped (and why) or failed.</summary>
public sealed record DeployOutcome(string Status, string Detail)
{
    public static DeployOutcome Deployed(string detail) => new("deployed", detail);
    public static DeployOutcome Skipped(string reason) => new("skipped", reason);
    public static DeployOutcome Failed(string error) => new("failed", error);
}
