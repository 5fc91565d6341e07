using AlpineMirror.Build.Hosting;
using Cake.Common.Build;
using Cake.Core;

namespace AlpineMirror.Build.Lifetime;

/// <summary>Folds each task's log into a collapsible group on GitHub Actions; Jenkins and terminals stay plain.</summary>
public sealed class TaskGroupLifetime : FrostingTaskLifetime<MirrorContext>
{
    public override void Setup(MirrorContext context, ITaskSetupContext info)
    {
        if (context.BuildSystem().GitHubActions.IsRunningOnGitHubActions)
        {
            context.BuildSystem().GitHubActions.Commands.StartGroup(info.Task.Name);
        }
    }

    public override void Teardown(MirrorContext context, ITaskTeardownContext info)
    {
        if (context.BuildSystem().GitHubActions.IsRunningOnGitHubActions)
        {
            context.BuildSystem().GitHubActions.Commands.EndGroup();
        }
    }
}
