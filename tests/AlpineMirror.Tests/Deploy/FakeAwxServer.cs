using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AlpineMirror.Tests.Deploy;

/// <summary>
/// An AWX API v2 stand-in on 127.0.0.1 (shapes from ansible/awx <c>awx/api/views</c>): job template lookup by id and
/// by <c>?name=</c>, <c>launch/</c> answering 201 with <c>"job"</c>, <c>jobs/&lt;id&gt;/</c> walking through scripted
/// statuses, <c>jobs/&lt;id&gt;/stdout/?format=txt</c>; anything without <c>Bearer &lt;Token&gt;</c> gets 401.
/// </summary>
internal sealed class FakeAwxServer : IAsyncDisposable
{
    public const string Token = "awx-test-token-Qx7mZ2pLk9";
    public const int JobId = 4242;

    private readonly ConcurrentQueue<string> _requests = new();
    private WebApplication? _app;
    private int _polls;

    public List<(int Id, string Name, bool AskVariables)> Templates { get; } = [(7, "Boot infrastructure", true)];

    /// <summary>The status of each poll in turn; the last one repeats.</summary>
    public string[] Statuses { get; set; } = ["pending", "running", "successful"];

    /// <summary>How many polls answer 502 before the statuses start.</summary>
    public int FailingPolls { get; set; }

    public string JobExplanation { get; set; } = "";

    public string Stdout { get; set; } = "PLAY RECAP\nlocalhost : ok=3 changed=1 failed=0\n";

    /// <summary>The <c>extra_vars</c> object of the last launch.</summary>
    public JsonElement? LaunchedExtraVars { get; private set; }

    /// <summary>Every request as <c>METHOD /path?query</c>, in arrival order.</summary>
    public IReadOnlyList<string> Requests => _requests.ToArray();

    public Uri BaseUri { get; private set; } = new("http://127.0.0.1/");

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            _requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
            if (context.Request.Headers.Authorization != $"Bearer {Token}")
            {
                // Real AWX says "Authentication credentials were not provided." or "Invalid token."; this one echoes
                // what it got, to prove the deployer never shows a refusal's body.
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsJsonAsync(new { detail = $"Invalid token: {context.Request.Headers.Authorization}" });
                return;
            }

            await next(context);
        });
        app.MapGet("/api/v2/job_templates/", (string? name) =>
        {
            var results = Templates.Where(t => t.Name == name).Select(Template).ToList();
            return Results.Json(new { count = results.Count, next = (string?)null, previous = (string?)null, results });
        });
        app.MapGet("/api/v2/job_templates/{id:int}/", (int id) =>
            Templates.Where(t => t.Id == id).Select(Template).FirstOrDefault() is { } template
                ? Results.Json(template)
                : Results.Json(new { detail = "Not found." }, statusCode: StatusCodes.Status404NotFound));
        app.MapPost("/api/v2/job_templates/{id:int}/launch/", async (int id, HttpRequest request) =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body);
            LaunchedExtraVars = body.RootElement.GetProperty("extra_vars").Clone();
            return Results.Json(
                new { job = JobId, ignored_fields = new { }, id = JobId, type = "job", url = $"/api/v2/jobs/{JobId}/", status = "pending" },
                statusCode: StatusCodes.Status201Created);
        });
        app.MapGet("/api/v2/jobs/{id:int}/", (int id) =>
        {
            var poll = Interlocked.Increment(ref _polls) - 1;
            if (poll < FailingPolls)
            {
                return Results.Text("<html>502 Bad Gateway</html>", "text/html", statusCode: StatusCodes.Status502BadGateway);
            }

            var status = Statuses[Math.Min(poll - FailingPolls, Statuses.Length - 1)];
            return Results.Json(new
            {
                id,
                type = "job",
                status,
                failed = status is "failed" or "error",
                job_explanation = JobExplanation,
            });
        });
        app.MapGet("/api/v2/jobs/{id:int}/stdout/", (int id, string? format) =>
            format == "txt" ? Results.Text(Stdout, "text/plain") : Results.BadRequest());

        await app.StartAsync();
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUri = new Uri($"http://127.0.0.1:{new Uri(address).Port}/");
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private static object Template((int Id, string Name, bool AskVariables) template) =>
        new { id = template.Id, type = "job_template", name = template.Name, ask_variables_on_launch = template.AskVariables };
}
