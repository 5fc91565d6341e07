using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using AlpineMirror.Configuration;

namespace AlpineMirror.Deploy;

/// <summary>
/// Launches an AWX job template with the deploy variables as <c>extra_vars</c> and follows the job until it ends
/// (AWX API v2: <c>job_templates/&lt;id&gt;/launch/</c>, then <c>jobs/&lt;id&gt;/</c> until <c>successful</c>,
/// <c>failed</c>, <c>error</c> or <c>canceled</c>). The token is sent as a bearer token and never written anywhere.
/// </summary>
public sealed class AwxDeployer : IDeployer, IDisposable
{
    /// <summary>The environment variable holding the AWX OAuth2 token; a token never goes on a command line.</summary>
    public const string TokenVariable = "AWX_TOKEN";

    private const int TailLength = 20;
    private const int MaxErrorBodyLength = 300;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private static readonly string[] FinalStatuses = ["successful", "failed", "error", "canceled"];

    private readonly AwxSettings _settings;
    private readonly string _token;
    private readonly Uri _baseUri;
    private readonly HttpClient _http;

    /// <exception cref="ConfigurationException">The URL is not http(s), the job template is empty, or the token is empty or not one line.</exception>
    public AwxDeployer(AwxSettings settings, string token)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(token);
        if (!settings.Url.IsAbsoluteUri || settings.Url.Scheme is not ("http" or "https"))
        {
            throw new ConfigurationException(AwxSettings.UrlOption, $"expected an http or https URL like https://awx.example.org/, got '{settings.Url}'");
        }

        if (string.IsNullOrWhiteSpace(settings.JobTemplate))
        {
            throw new ConfigurationException(AwxSettings.JobTemplateOption, "the job template id or name is required");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(settings.PollInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(settings.Timeout, TimeSpan.Zero);
        _token = token.Trim();
        if (_token.Length == 0 || _token.Any(char.IsControl))
        {
            // The value itself is never quoted: even a malformed token is a secret.
            throw new ConfigurationException(TokenVariable, "expected an AWX OAuth2 token on one line, got an empty or multi-line value");
        }

        _settings = settings;
        _baseUri = settings.Url.AbsoluteUri.EndsWith('/') ? settings.Url : new Uri(settings.Url.AbsoluteUri + "/");
        _http = new HttpClient { Timeout = RequestTimeout };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    /// <summary>The token from <see cref="TokenVariable"/>.</summary>
    /// <exception cref="ConfigurationException">The variable is unset or empty.</exception>
    public static string ReadToken(Func<string, string?>? environment = null)
    {
        var token = (environment ?? Environment.GetEnvironmentVariable)(TokenVariable);
        return string.IsNullOrWhiteSpace(token)
            ? throw new ConfigurationException(TokenVariable, $"the AWX token is required for {AwxSettings.UrlOption}: export {TokenVariable}=<an OAuth2 token of a user who may launch the job template>")
            : token;
    }

    /// <summary>The job's page in the AWX web interface.</summary>
    public Uri JobPage(int jobId) => new(_baseUri, $"#/jobs/playbook/{jobId}");

    /// <inheritdoc />
    /// <exception cref="ConfigurationException">No job template has that id or name, or the name is ambiguous.</exception>
    public async Task<DeployResult> DeployAsync(DeployVariables variables, Action<string> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(variables);
        ArgumentNullException.ThrowIfNull(output);
        void Say(string line) => output(Redact(line));

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_settings.Timeout);
        var stopwatch = Stopwatch.StartNew();
        var stage = $"looking up job template '{_settings.JobTemplate}'";
        try
        {
            var template = await FindTemplateAsync(deadline.Token);
            stage = $"launching job template '{template.Name}' (id {template.Id})";
            var jobId = await LaunchAsync(template, variables, deadline.Token);
            var page = JobPage(jobId);
            Say($"AWX job {jobId} launched from job template '{template.Name}' (id {template.Id}) for {variables.Version}: {page}");
            stage = $"following job {jobId} ({page})";
            var status = await FollowAsync(jobId, Say, deadline.Token, s => stage = $"following job {jobId}, last status {s} ({page})");
            if (status.Name != "successful")
            {
                var tail = await OutputTailAsync(jobId, deadline.Token);
                var explanation = string.IsNullOrWhiteSpace(status.Explanation) ? "" : $" ({status.Explanation.Trim()})";
                throw Fail(JobUri(jobId), $"AWX job {jobId} {status.Name}{explanation}: {tail}; see {page}");
            }

            return new DeployResult($"AWX job {jobId} deployed {variables.Version} in {stopwatch.Elapsed.TotalSeconds:0.0} s", page);
        }
        catch (OperationCanceledException error) when (!cancellationToken.IsCancellationRequested)
        {
            throw Fail(_baseUri, $"timed out after {_settings.Timeout.TotalSeconds:0.###} s {stage}", error);
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<JobTemplate> FindTemplateAsync(CancellationToken cancellationToken)
    {
        var key = _settings.JobTemplate.Trim();
        JobTemplate template;
        if (int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            var uri = Api($"job_templates/{id}/");
            using var document = await GetJsonAsync(uri, missingTemplate: $"no job template with id {id}", cancellationToken);
            template = JobTemplate.Read(document.RootElement, uri);
        }
        else
        {
            var uri = Api($"job_templates/?name={Uri.EscapeDataString(key)}");
            using var document = await GetJsonAsync(uri, missingTemplate: null, cancellationToken);
            var results = Property(document.RootElement, "results", JsonValueKind.Array, uri).EnumerateArray()
                .Select(result => JobTemplate.Read(result, uri))
                .ToList();
            template = results.Count switch
            {
                1 => results[0],
                0 => throw new ConfigurationException(AwxSettings.JobTemplateOption, $"expected a job template named '{key}' at {_baseUri}, found none"),
                _ => throw new ConfigurationException(AwxSettings.JobTemplateOption,
                    $"expected one job template named '{key}' at {_baseUri}, found {results.Count} (ids {string.Join(", ", results.Select(r => r.Id))}): give the id"),
            };
        }

        // Without "Prompt on launch" for variables AWX accepts the launch, drops the extra vars, and the playbook
        // would deploy without knowing which snapshot.
        return template.AsksVariables
            ? template
            : throw Fail(Api($"job_templates/{template.Id}/"),
                $"job template '{template.Name}' (id {template.Id}) does not prompt for variables on launch (ask_variables_on_launch is false): AWX would drop alpine_version and the other extra vars; tick Prompt on launch for Variables");
    }

    private async Task<int> LaunchAsync(JobTemplate template, DeployVariables variables, CancellationToken cancellationToken)
    {
        var uri = Api($"job_templates/{template.Id}/launch/");
        using var body = new MemoryStream();
        using (var writer = new Utf8JsonWriter(body))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("extra_vars");
            variables.WriteTo(writer);
            writer.WriteEndObject();
        }

        using var content = new ByteArrayContent(body.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await SendAsync(HttpMethod.Post, uri, content, cancellationToken);
        await EnsureSuccessAsync(response, uri, missingTemplate: null, cancellationToken);
        using var document = await ReadJsonAsync(response, uri, cancellationToken);
        // AWX answers 201 with the new job: "job" is its id (and "id" too, as the launch response is the job itself).
        return Property(document.RootElement, "job", JsonValueKind.Number, uri).GetInt32();
    }

    private async Task<JobStatus> FollowAsync(int jobId, Action<string> say, CancellationToken cancellationToken, Action<string> seen)
    {
        var uri = JobUri(jobId);
        string? last = null;
        while (true)
        {
            var status = await PollAsync(uri, say, cancellationToken);
            if (status is not null)
            {
                if (status.Name != last)
                {
                    say($"AWX job {jobId}: {status.Name}");
                    last = status.Name;
                    seen(status.Name);
                }

                if (FinalStatuses.Contains(status.Name))
                {
                    return status;
                }
            }

            await Task.Delay(_settings.PollInterval, cancellationToken);
        }
    }

    /// <summary>The job's status, or null when this poll failed in a way the next one may not (a 5xx, a dropped connection).</summary>
    private async Task<JobStatus?> PollAsync(Uri uri, Action<string> say, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await SendAsync(HttpMethod.Get, uri, content: null, cancellationToken);
        }
        catch (DeployException error) when (error.InnerException is HttpRequestException or TaskCanceledException)
        {
            // The job runs on in AWX whatever happens to this connection; keep asking until the deadline.
            say($"{error.Message}; asking again");
            return null;
        }

        using (response)
        {
            if ((int)response.StatusCode >= 500)
            {
                say($"AWX answered HTTP {(int)response.StatusCode} for {uri}, asking again");
                return null;
            }

            await EnsureSuccessAsync(response, uri, missingTemplate: null, cancellationToken);
            using var document = await ReadJsonAsync(response, uri, cancellationToken);
            var root = document.RootElement;
            return new JobStatus(
                Property(root, "status", JsonValueKind.String, uri).GetString()!,
                root.TryGetProperty("job_explanation", out var explanation) && explanation.ValueKind == JsonValueKind.String
                    ? explanation.GetString()
                    : null);
        }
    }

    /// <summary>The last lines of the job's output for the error message, or why they could not be read.</summary>
    private async Task<RecentLines> OutputTailAsync(int jobId, CancellationToken cancellationToken)
    {
        var tail = new RecentLines(TailLength);
        var uri = Api($"jobs/{jobId}/stdout/?format=txt");
        try
        {
            using var response = await SendAsync(HttpMethod.Get, uri, content: null, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                tail.Add($"(output not available: HTTP {(int)response.StatusCode} for {uri})");
                return tail;
            }

            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                tail.Add(line);
            }
        }
        catch (DeployException error)
        {
            tail.Add($"(output not available: {error.Message})");
        }

        return tail;
    }

    private async Task<JsonDocument> GetJsonAsync(Uri uri, string? missingTemplate, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, uri, content: null, cancellationToken);
        await EnsureSuccessAsync(response, uri, missingTemplate, cancellationToken);
        return await ReadJsonAsync(response, uri, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException error)
        {
            throw Fail(uri, $"request failed: {error.Message}", error);
        }
        catch (TaskCanceledException error) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient's own per-request timeout, not the deadline or the caller.
            throw Fail(uri, $"no answer within {RequestTimeout.TotalSeconds:0} s", error);
        }
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, Uri uri, string? missingTemplate, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var status = (int)response.StatusCode;
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            // Not the body: it is of no use to the operator and must not be a way for anything to echo the token.
            throw Fail(uri, $"HTTP {status}: AWX refused the token in {TokenVariable} (expired, revoked, or its user may not launch this job template)");
        }

        if (response.StatusCode == HttpStatusCode.NotFound && missingTemplate is not null)
        {
            throw new ConfigurationException(AwxSettings.JobTemplateOption, Redact($"{missingTemplate} at {uri}"));
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        body = body.ReplaceLineEndings(" ").Trim();
        throw Fail(uri, $"HTTP {status}: {(body.Length > MaxErrorBodyLength ? body[..MaxErrorBodyLength] + "..." : body)}");
    }

    private static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, Uri uri, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        try
        {
            return await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        }
        catch (JsonException error)
        {
            throw new DeployException(uri.AbsoluteUri, $"expected a JSON answer from the AWX API, got: {error.Message}", error);
        }
    }

    private static JsonElement Property(JsonElement element, string name, JsonValueKind kind, Uri uri) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == kind
            ? value
            : throw new DeployException(uri.AbsoluteUri, $"{name}: expected a {kind.ToString().ToLowerInvariant()} in the AWX answer, got {(element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var other) ? other.ValueKind.ToString().ToLowerInvariant() : "none")}");

    private Uri Api(string relative) => new(_baseUri, "api/v2/" + relative);

    private Uri JobUri(int jobId) => Api($"jobs/{jobId}/");

    private DeployException Fail(Uri uri, string message, Exception? inner = null) =>
        new(Redact(uri.AbsoluteUri), Redact(message), inner);

    /// <summary>Masks the token wherever a server, a playbook or an exception might have echoed it.</summary>
    private string Redact(string text) => text.Replace(_token, "***", StringComparison.Ordinal);

    private sealed record JobTemplate(int Id, string Name, bool AsksVariables)
    {
        public static JobTemplate Read(JsonElement element, Uri uri) =>
            new(Property(element, "id", JsonValueKind.Number, uri).GetInt32(),
                Property(element, "name", JsonValueKind.String, uri).GetString()!,
                element.TryGetProperty("ask_variables_on_launch", out var asks) && asks.ValueKind == JsonValueKind.True);
    }

    private sealed record JobStatus(string Name, string? Explanation);
}
