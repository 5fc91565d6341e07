namespace AlpineMirror.Deploy;

/// <summary>How TriggerAnsible launches an AWX (or Ansible Tower / Automation Controller) job template: <c>--awx-url</c>, <c>--awx-job-template</c>.</summary>
public sealed record AwxSettings
{
    public const string UrlOption = "--awx-url";
    public const string JobTemplateOption = "--awx-job-template";

    /// <summary>The AWX server, e.g. <c>https://awx.example.org/</c>; the API is below <c>api/v2/</c>.</summary>
    public required Uri Url { get; init; }
    /// <summary>The job template's numeric id, or its name.</summary>
    public required string JobTemplate { get; init; }
    /// <summary>How often the job's status is asked for.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How long the whole deployment may take, from the template lookup to the job's end.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);
}
