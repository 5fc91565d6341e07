using AlpineMirror.Build.Hosting;

namespace AlpineMirror.Tests.Hosting;

public sealed class CakeHostTests : IDisposable
{
    private readonly string _trace = Path.Combine(Path.GetTempPath(), $"cakehost-{Guid.NewGuid():N}.trace");
    private readonly StringWriter _errors = new();

    public void Dispose() => File.Delete(_trace);

    private async Task<int> RunAsync(params string[] args)
    {
        File.WriteAllText(_trace, "");
        return await new CakeHost()
            .UseContext<TraceContext>()
            .AddTraceTasks()
            .UseErrorOutput(_errors)
            .RunAsync([.. args, $"--trace={_trace}"]);
    }

    private string[] Trace() => File.ReadAllLines(_trace);

    [Fact]
    public async Task Should_run_dependencies_first_in_order()
    {
        var exitCode = await RunAsync("--target=C");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal(["A", "B", "C"], Trace());
    }

    [Fact]
    public async Task Should_run_only_the_target_with_exclusive()
    {
        var exitCode = await RunAsync("--target", "C", "--exclusive");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal(["C"], Trace());
    }

    [Fact]
    public async Task Should_stop_at_a_failing_task_with_non_zero_exit_and_one_error_line()
    {
        var exitCode = await RunAsync("--target=AfterFailing");

        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Equal(["A", "Failing", "Failing.Finally"], Trace());
        Assert.Equal("Error: the task failed on purpose second line", _errors.ToString().TrimEnd());
    }

    [Fact]
    public async Task Should_go_on_when_a_task_handles_its_own_error()
    {
        var exitCode = await RunAsync("--target=AfterRecovering");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal(["A", "Recovering", "Recovering.OnError:recoverable", "AfterRecovering"], Trace());
    }

    [Fact]
    public async Task Should_skip_a_task_whose_ShouldRun_is_false()
    {
        var exitCode = await RunAsync("--target=AfterSkipped");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal(["A", "AfterSkipped"], Trace());
    }

    [Fact]
    public async Task Should_fail_when_the_target_itself_is_skipped_as_Cake_does()
    {
        var exitCode = await RunAsync("--target=Skipped");

        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Contains("Could not reach target 'Skipped'", _errors.ToString());
    }

    [Fact]
    public async Task Should_run_async_tasks()
    {
        Assert.Equal(ExitCodes.Success, await RunAsync("--target=Async"));
        Assert.Equal(["AsyncTraced"], Trace());
    }

    [Fact]
    public async Task Should_run_nothing_in_a_dry_run()
    {
        var exitCode = await RunAsync("--target=C", "--dryrun");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Empty(Trace());
    }

    [Fact]
    public async Task Should_run_only_the_side_effect_free_answer_of_dry_runnable_tasks_in_a_dry_run()
    {
        var exitCode = await RunAsync("--target=AfterAnswering", "--dryrun");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal(["Answering.DryRun"], Trace());
    }

    [Fact]
    public async Task Should_run_lifetimes_around_the_run_and_every_task_also_when_it_fails()
    {
        File.WriteAllText(_trace, "");
        var exitCode = await new CakeHost()
            .UseContext<TraceContext>()
            .UseLifetime<TraceLifetime, TraceContext>()
            .UseTaskLifetime<TraceTaskLifetime, TraceContext>()
            .AddTraceTasks()
            .UseErrorOutput(_errors)
            .RunAsync(["--target=Failing", $"--trace={_trace}"]);

        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Equal(
            ["Setup", "Before:A", "A", "After:A", "Before:Failing", "Failing", "Failing.Finally", "After:Failing",
                "Teardown:the task failed on purpose", "second line"],
            Trace());
    }

    [Fact]
    public async Task Should_refuse_an_unknown_target_with_usage_exit_code()
    {
        var exitCode = await RunAsync("--target=Nope");

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.StartsWith("Error: unknown target 'Nope': expected one of ", _errors.ToString());
        Assert.Empty(Trace());
    }

    [Theory]
    [InlineData("--verbosity=loud", "--verbosity: expected one of")]
    [InlineData("--exclusive=maybe", "--exclusive: expected true or false, got 'maybe'")]
    [InlineData("stray", "unexpected argument 'stray'")]
    public async Task Should_refuse_malformed_switches(string argument, string expected)
    {
        var exitCode = await RunAsync("--target=A", argument);

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains(expected, _errors.ToString());
    }
}
