using System.Reflection;
using AlpineMirror.Build;
using AlpineMirror.Build.Hosting;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.Hosting;

/// <summary>The host build.sh runs lists every task class of the pipeline: tasks are registered by hand, not scanned.</summary>
[Trait(ChildHostProcess.Trait, ChildHostProcess.TraitValue)]
public sealed class MirrorHostTests
{
    [Fact]
    public async Task Should_offer_every_task_class_of_the_pipeline_as_a_target()
    {
        // Given every task class in the pipeline's assembly
        var taskNames = typeof(MirrorHost).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsClass: true } && typeof(IFrostingTask).IsAssignableFrom(t))
            .Select(t => t.GetCustomAttribute<TaskNameAttribute>()!.Name)
            .Order(StringComparer.Ordinal)
            .ToList();

        // When the built host lists its targets
        var run = await ChildHostProcess.RunAsync(["--help"], TimeSpan.FromMinutes(1));

        // Then each task is a target, and nothing else is
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var targets = run.Output.Split('\n')
            .SkipWhile(line => !line.StartsWith("Targets", StringComparison.Ordinal))
            .Skip(1)
            .Where(line => line.StartsWith("  ", StringComparison.Ordinal))
            .Select(line => line.Trim().Split(' ')[0])
            .ToList();
        Assert.Equal(taskNames, targets);
        Assert.Equal(14, targets.Count);
    }
}
