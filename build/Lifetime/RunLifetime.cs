using AlpineMirror.Build.Hosting;
using AlpineMirror.Reporting;
using AlpineMirror.Storage;
using Cake.Common.Build;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace AlpineMirror.Build.Lifetime;

/// <summary>
/// Reports every run, failed or not: JSON and a Markdown summary to <c>--report</c> and under
/// <c>.alpinemirror/reports/</c>, and on GitHub Actions the step summary and an error annotation.
/// </summary>
public sealed class RunLifetime : FrostingLifetime<MirrorContext>
{
    public override void Setup(MirrorContext context, ISetupContext info)
    {
        context.Target = info.TargetTask.Name;
        context.StartedAt = DateTimeOffset.UtcNow;
        if (info.TasksToExecute.Any(t => t.Name is nameof(Tasks.TriggerAnsible) or nameof(Tasks.Rollback)))
        {
            // Deploy options are checked now: a typo must stop the run before it mirrors, not after it publishes.
            _ = context.DeployTrigger;
        }

        if (context.Options.Root is not null)
        {
            foreach (var stray in new MirrorRoot(context.Options.Root).StrayFolders())
            {
                context.Log.Warning("Ignoring {0} in {1}: not a snapshot name (ASCII release numbers like 3.15.5 only)", stray, context.Options.Root);
            }
        }

        if (!context.DryRun && info.TasksToExecute.Any(t => t.Name is nameof(Tasks.Snapshot) or nameof(Tasks.Rollback) or nameof(Tasks.Prune)))
        {
            // Locked before planning, so the plan is made from the root as it stays until this run ends.
            context.EnsureLocked();
        }
    }

    public override void Teardown(MirrorContext context, ITeardownContext info)
    {
        var error = info.ThrownException is { } thrown ? CakeHost.Unwrap(thrown) : null;
        var report = new RunReport
        {
            Target = context.Target,
            DryRun = context.DryRun,
            Succeeded = error is null,
            ExitCode = error is null ? ExitCodes.Success : MirrorExitCodes.For(error),
            Error = error?.Message.ReplaceLineEndings(" "),
            StartedAt = context.StartedAt,
            Duration = DateTimeOffset.UtcNow - context.StartedAt,
            Plan = context.Plan,
            Mirror = context.Mirrored,
            Verification = context.Verified,
            Published = context.Published,
            Deploy = context.Deployed,
            InHouse = context.InHouse,
            Antivirus = context.Antivirus,
            AntivirusPlan = context.AntivirusPlan,
            AntivirusPackage = context.AntivirusPackage,
        };

        // A report that cannot be written must not hide the run's own outcome.
        try
        {
            Write(context, report);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            context.Log.Warning("Could not write the run report: {0}", exception.Message);
        }

        var gitHub = context.BuildSystem().GitHubActions;
        if (gitHub.IsRunningOnGitHubActions)
        {
            gitHub.Commands.SetStepSummary(report.ToMarkdown());
            if (report.Error is { } message)
            {
                gitHub.Commands.Error(message);
            }
        }
    }

    private static void Write(MirrorContext context, RunReport report)
    {
        var json = report.ToJson();
        var markdown = report.ToMarkdown();
        if (context.Options.Report is { } path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, json);
            File.WriteAllText(Path.ChangeExtension(path, ".md"), markdown);
        }

        // Plan and dry runs promise to change nothing under --root, so their reports go only where --report says.
        if (context.Target == nameof(Tasks.Plan) || context.DryRun || context.Options.Root is null
            || !Directory.Exists(context.Options.Root))
        {
            return;
        }

        var reports = Directory.CreateDirectory(new MirrorRoot(context.Options.Root).ReportsDirectory).FullName;
        var name = $"{report.StartedAt:yyyyMMdd'T'HHmmss.fff'Z'}-{report.Target}";
        File.WriteAllText(Path.Combine(reports, name + ".json"), json);
        File.WriteAllText(Path.Combine(reports, name + ".md"), markdown);
    }
}
