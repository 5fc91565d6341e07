using AlpineMirror.Build.Hosting;
using Cake.Core;

namespace AlpineMirror.Tests.Hosting;

// A small task graph for the host tests: each task appends its name to the file named by --trace.
//   A <- B <- C;  A <- Failing <- AfterFailing;  A <- Recovering <- AfterRecovering;  Skipped

public sealed class TraceContext(ICakeContext context) : FrostingContext(context)
{
    public string TracePath { get; } = context.Arguments.GetArgument("trace");

    public void Record(string name) => File.AppendAllText(TracePath, name + "\n");
}

public abstract class TracedTask : FrostingTask<TraceContext>
{
    public override void Run(TraceContext context) => context.Record(GetType().Name);
}

[TaskName("A")]
public sealed class A : TracedTask;

[TaskName("B")]
[IsDependentOn(typeof(A))]
public sealed class B : TracedTask;

[TaskName("C")]
[IsDependentOn(typeof(B))]
public sealed class C : TracedTask;

[TaskName("Failing")]
[IsDependentOn(typeof(A))]
public sealed class Failing : TracedTask
{
    public override void Run(TraceContext context)
    {
        base.Run(context);
        throw new InvalidOperationException("the task failed on purpose\nsecond line");
    }

    public override void Finally(TraceContext context) => context.Record("Failing.Finally");
}

[TaskName("AfterFailing")]
[IsDependentOn(typeof(Failing))]
public sealed class AfterFailing : TracedTask;

[TaskName("Recovering")]
[IsDependentOn(typeof(A))]
public sealed class Recovering : TracedTask
{
    public override void Run(TraceContext context)
    {
        base.Run(context);
        throw new InvalidOperationException("recoverable");
    }

    public override void OnError(Exception exception, TraceContext context) =>
        context.Record("Recovering.OnError:" + exception.Message);
}

[TaskName("AfterRecovering")]
[IsDependentOn(typeof(Recovering))]
public sealed class AfterRecovering : TracedTask;

[TaskName("Skipped")]
[IsDependentOn(typeof(A))]
public sealed class Skipped : TracedTask
{
    public override bool ShouldRun(TraceContext context) => false;
}

[TaskName("Async")]
public sealed class AsyncTraced : AsyncFrostingTask<TraceContext>
{
    public override async Task RunAsync(TraceContext context)
    {
        await Task.Yield();
        context.Record(nameof(AsyncTraced));
    }
}

[TaskName("AfterSkipped")]
[IsDependentOn(typeof(Skipped))]
public sealed class AfterSkipped : TracedTask;

[TaskName("Answering")]
public sealed class Answering : TracedTask, IDryRunTask
{
    public Task DryRunAsync(ICakeContext context)
    {
        ((TraceContext)context).Record("Answering.DryRun");
        return Task.CompletedTask;
    }
}

[TaskName("AfterAnswering")]
[IsDependentOn(typeof(Answering))]
public sealed class AfterAnswering : TracedTask;

public sealed class TraceLifetime : FrostingLifetime<TraceContext>
{
    public override void Setup(TraceContext context, ISetupContext info) => context.Record("Setup");

    public override void Teardown(TraceContext context, ITeardownContext info) =>
        context.Record($"Teardown:{(info.Successful ? "ok" : info.ThrownException?.Message)}");
}

public sealed class TraceTaskLifetime : FrostingTaskLifetime<TraceContext>
{
    public override void Setup(TraceContext context, ITaskSetupContext info) => context.Record($"Before:{info.Task.Name}");

    public override void Teardown(TraceContext context, ITaskTeardownContext info) => context.Record($"After:{info.Task.Name}");
}

public static class TraceTaskRegistration
{
    /// <summary>Registers every task of this graph, as MirrorHost registers the mirror's.</summary>
    public static CakeHost AddTraceTasks(this CakeHost host) =>
        host.AddTask<A>()
            .AddTask<B>()
            .AddTask<C>()
            .AddTask<Failing>()
            .AddTask<AfterFailing>()
            .AddTask<Recovering>()
            .AddTask<AfterRecovering>()
            .AddTask<Skipped>()
            .AddTask<AsyncTraced>()
            .AddTask<AfterSkipped>()
            .AddTask<Answering>()
            .AddTask<AfterAnswering>();
}
