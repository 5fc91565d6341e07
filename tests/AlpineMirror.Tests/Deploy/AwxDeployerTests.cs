using System.Collections.Concurrent;
using System.Text.Json;
using AlpineMirror.Configuration;
using AlpineMirror.Deploy;
using AlpineMirror.Planning;

namespace AlpineMirror.Tests.Deploy;

public sealed class AwxDeployerTests : IAsyncLifetime
{
    private static readonly DeployVariables Variables = new()
    {
        Version = "3.15.5",
        PreviousVersion = "3.15.4",
        Branch = "v3.15",
        Root = "/srv/alpine",
        Arch = "x86_64",
        Kernels = [new KernelChange("linux-lts", "x86_64", "5.15.40-r0", "5.15.41-r0")],
    };

    private readonly FakeAwxServer _awx = new();
    private readonly ConcurrentQueue<string> _output = new();

    public Task InitializeAsync() => _awx.StartAsync();

    public async Task DisposeAsync()
    {
        // Whatever a test did, neither the token nor the wrong one it may have tried reached the output.
        Assert.DoesNotContain(_output, line => line.Contains(FakeAwxServer.Token, StringComparison.Ordinal) || line.Contains(WrongToken, StringComparison.Ordinal));
        await _awx.DisposeAsync();
    }

    private const string WrongToken = "expired-token-Vb3nR8";

    [Fact]
    public async Task Should_launch_the_template_found_by_name_with_the_variables_and_follow_the_job_to_success()
    {
        // Given a template named "Boot infrastructure" whose job goes pending, running, successful
        using var deployer = Deployer("Boot infrastructure");

        // When the deployment runs
        var result = await deployer.DeployAsync(Variables, _output.Enqueue, CancellationToken.None);

        // Then the template was looked up by name, launched with the variables as extra_vars, and polled to its end
        Assert.Equal(
            [
                "GET /api/v2/job_templates/?name=Boot%20infrastructure",
                "POST /api/v2/job_templates/7/launch/",
                "GET /api/v2/jobs/4242/",
                "GET /api/v2/jobs/4242/",
                "GET /api/v2/jobs/4242/",
            ],
            _awx.Requests);
        using var expected = JsonDocument.Parse(Variables.ToJson());
        Assert.True(JsonElement.DeepEquals(expected.RootElement, _awx.LaunchedExtraVars!.Value), _awx.LaunchedExtraVars.ToString());

        // And the job's page was printed, with each status as it came
        var page = new Uri(_awx.BaseUri, "#/jobs/playbook/4242");
        Assert.Equal(page, result.JobUrl);
        Assert.Contains(_output, line => line.Contains(page.AbsoluteUri, StringComparison.Ordinal));
        Assert.Equal(["AWX job 4242: pending", "AWX job 4242: running", "AWX job 4242: successful"],
            _output.Where(l => l.StartsWith("AWX job 4242: ", StringComparison.Ordinal)));
        Assert.StartsWith("AWX job 4242 deployed 3.15.5 in ", result.Summary);
    }

    [Fact]
    public async Task Should_launch_a_template_given_by_id_and_ask_again_after_a_bad_gateway()
    {
        // Given a job whose first two status requests meet a 502 from a proxy
        _awx.FailingPolls = 2;
        using var deployer = Deployer("7");

        // When the deployment runs
        await deployer.DeployAsync(Variables, _output.Enqueue, CancellationToken.None);

        // Then the template was read by id and the job followed through the failures to its success
        Assert.Equal("GET /api/v2/job_templates/7/", _awx.Requests[0]);
        Assert.Equal(2, _output.Count(l => l.Contains("HTTP 502", StringComparison.Ordinal) && l.EndsWith("asking again", StringComparison.Ordinal)));
        Assert.Contains("AWX job 4242: successful", _output);
    }

    [Theory]
    [InlineData("failed")]
    [InlineData("error")]
    [InlineData("canceled")]
    public async Task Should_fail_when_the_job_ends_unsuccessfully_with_its_last_output_lines(string status)
    {
        // Given a job that ends badly, whose output happens to echo the token
        _awx.Statuses = ["running", status];
        _awx.JobExplanation = "Job terminated due to error";
        _awx.Stdout = $"TASK [Copy kernel]\nfatal: [boot1]: FAILED! => {{\"msg\": \"Bearer {FakeAwxServer.Token} rejected\"}}\nPLAY RECAP\nboot1 : ok=2 failed=1\n";
        using var deployer = Deployer("7");

        // When the deployment runs
        var error = await Assert.ThrowsAsync<DeployException>(() => deployer.DeployAsync(Variables, _output.Enqueue, CancellationToken.None));

        // Then the error names the job, its status, explanation, last lines (token masked) and page, on one line
        Assert.Equal(new Uri(_awx.BaseUri, "api/v2/jobs/4242/").AbsoluteUri, error.Source);
        Assert.Contains($"AWX job 4242 {status} (Job terminated due to error): TASK [Copy kernel] | fatal: [boot1]: FAILED! => {{\"msg\": \"Bearer *** rejected\"}} | PLAY RECAP | boot1 : ok=2 failed=1; see {_awx.BaseUri}#/jobs/playbook/4242", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain(FakeAwxServer.Token, error.ToString());
        Assert.Equal("GET /api/v2/jobs/4242/stdout/?format=txt", _awx.Requests[^1]);
    }

    [Fact]
    public async Task Should_time_out_when_the_job_keeps_running()
    {
        // Given a job that never ends, and a deployment allowed two seconds: room for several 20 ms polls on a loaded machine
        _awx.Statuses = ["pending", "running"];
        using var deployer = new AwxDeployer(Settings("7") with { Timeout = TimeSpan.FromSeconds(2) }, FakeAwxServer.Token);

        // When the deployment runs
        var error = await Assert.ThrowsAsync<DeployException>(() => deployer.DeployAsync(Variables, _output.Enqueue, CancellationToken.None));

        // Then it stops with the last status seen and the job's page
        Assert.Equal($"{_awx.BaseUri}: timed out after 2 s following job 4242, last status running ({_awx.BaseUri}#/jobs/playbook/4242)", error.Message);
        Assert.True(_awx.Requests.Count(r => r == "GET /api/v2/jobs/4242/") >= 3);
    }

    [Fact]
    public async Task Should_say_the_token_was_refused_without_showing_it()
    {
        // Given a token AWX does not accept (this server echoes it in its 401 body)
        using var deployer = new AwxDeployer(Settings("Boot infrastructure"), WrongToken);

        // When the deployment runs
        var error = await Assert.ThrowsAsync<DeployException>(() => deployer.DeployAsync(Variables, _output.Enqueue, CancellationToken.None));

        // Then the error says AWX refused the token of AWX_TOKEN, and neither the token nor the body appear
        Assert.Contains("HTTP 401: AWX refused the token in AWX_TOKEN", error.Message);
        Assert.DoesNotContain(WrongToken, error.ToString());
        Assert.DoesNotContain("Invalid token", error.Message);
        Assert.DoesNotContain(_awx.Requests, r => r.StartsWith("POST", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Should_refuse_a_template_that_would_drop_the_extra_vars_before_launching_it()
    {
        // Given a template without "Prompt on launch" for variables
        _awx.Templates[0] = (7, "Boot infrastructure", false);
        using var deployer = Deployer("Boot infrastructure");

        // When the deployment runs, then nothing is launched and the error says what to tick
        var error = await Assert.ThrowsAsync<DeployException>(() => deployer.DeployAsync(Variables, _output.Enqueue, CancellationToken.None));
        Assert.Contains("does not prompt for variables on launch (ask_variables_on_launch is false)", error.Message);
        Assert.DoesNotContain(_awx.Requests, r => r.StartsWith("POST", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Should_refuse_an_unknown_or_ambiguous_job_template_naming_the_option()
    {
        _awx.Templates.Add((8, "Boot infrastructure", true));
        using var unknownName = Deployer("Netboot");
        using var unknownId = Deployer("99");
        using var ambiguous = Deployer("Boot infrastructure");

        var byName = await Assert.ThrowsAsync<ConfigurationException>(() => unknownName.DeployAsync(Variables, _output.Enqueue, CancellationToken.None));
        var byId = await Assert.ThrowsAsync<ConfigurationException>(() => unknownId.DeployAsync(Variables, _output.Enqueue, CancellationToken.None));
        var twice = await Assert.ThrowsAsync<ConfigurationException>(() => ambiguous.DeployAsync(Variables, _output.Enqueue, CancellationToken.None));

        Assert.Equal("--awx-job-template", byName.Source);
        Assert.Contains($"expected a job template named 'Netboot' at {_awx.BaseUri}, found none", byName.Message);
        Assert.Contains("no job template with id 99", byId.Message);
        Assert.Contains("found 2 (ids 7, 8): give the id", twice.Message);
    }

    [Fact]
    public void Should_read_the_token_from_AWX_TOKEN_and_refuse_a_missing_or_multi_line_one()
    {
        Assert.Equal(FakeAwxServer.Token, AwxDeployer.ReadToken(name => name == "AWX_TOKEN" ? FakeAwxServer.Token : null));

        var missing = Assert.Throws<ConfigurationException>(() => AwxDeployer.ReadToken(_ => null));
        Assert.Equal("AWX_TOKEN", missing.Source);
        Assert.Contains("export AWX_TOKEN=", missing.Message);

        var multiLine = Assert.Throws<ConfigurationException>(() => new AwxDeployer(Settings("7"), FakeAwxServer.Token + "\nsecond line"));
        Assert.Equal("AWX_TOKEN", multiLine.Source);
        Assert.DoesNotContain(FakeAwxServer.Token, multiLine.Message);

        var notHttp = Assert.Throws<ConfigurationException>(() => new AwxDeployer(Settings("7") with { Url = new Uri("ftp://awx.example.org/") }, FakeAwxServer.Token));
        Assert.Equal("--awx-url", notHttp.Source);
    }

    private AwxSettings Settings(string jobTemplate) => new()
    {
        Url = _awx.BaseUri,
        JobTemplate = jobTemplate,
        PollInterval = TimeSpan.FromMilliseconds(20),
        Timeout = TimeSpan.FromSeconds(30),
    };

    private AwxDeployer Deployer(string jobTemplate) => new(Settings(jobTemplate), FakeAwxServer.Token);
}
