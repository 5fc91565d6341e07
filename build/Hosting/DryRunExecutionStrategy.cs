using Cake.Core;
using Cake.Core.Diagnostics;

namespace AlpineMirror.Build.Hosting;

/// <summary>
/// Says which tasks would run, in order, and runs only those that can answer without side effects
/// (<see cref="IDryRunTask"/>). Cake's own dry-run strategy is internal.
/// </summary>
internal sealed class DryRunExecutionStrategy(ICakeLog log, IReadOnlyDictionary<string, IFrostingTask> tasks) : IExecutionStrategy
{
    private int _step;

    // Setup and teardown run: they prepare and report the run, and a dry run's answer is worth reporting.
    public void PerformSetup(Action<ISetupContext> action, ISetupContext context) => action(context);

    public void PerformTeardown(Action<ITeardownContext> action, ITeardownContext teardownContext) => action(teardownContext);

    public Task ExecuteAsync(CakeTask task, ICakeContext context)
    {
        if (tasks.GetValueOrDefault(task.Name) is IDryRunTask dryRunTask)
        {
            log.Information("{0}. {1} (dry run)", ++_step, task.Name);
            return dryRunTask.DryRunAsync(context);
        }

        log.Information("{0}. {1} (would run)", ++_step, task.Name);
        return Task.CompletedTask;
    }

    public void Skip(CakeTask task, CakeTaskCriteria criteria)
    {
    }

    public Task ReportErrorsAsync(Func<Exception, Task> action, Exception exception) => Task.CompletedTask;

    public Task HandleErrorsAsync(Func<Exception, ICakeContext, Task> action, Exception exception, ICakeContext context) =>
        Task.CompletedTask;

    public Task InvokeFinallyAsync(Func<ICakeContext, Task> action, ICakeContext context) => Task.CompletedTask;

    public void PerformTaskSetup(Action<ITaskSetupContext> action, ITaskSetupContext taskSetupContext)
    {
    }

    public void PerformTaskTeardown(Action<ITaskTeardownContext> action, ITaskTeardownContext taskTeardownContext)
    {
    }
}
