using System.Reflection;
using System.Text.RegularExpressions;
using AlpineMirror.Build;
using AlpineMirror.Build.Hosting;
using AlpineMirror.Tests.Apk;
using YamlDotNet.RepresentationModel;

namespace AlpineMirror.Tests.Ci;

/// <summary>
/// The CI recipes in the repository: the GitHub Actions workflow (loaded as YAML), the Jenkinsfile (checked as text:
/// there is no Groovy parser here, its syntax is reviewed) and the systemd units (checked by systemd-analyze).
/// </summary>
public sealed class CiRecipeTests
{
    private const string WorkflowPath = ".github/workflows/mirror-update.yml";
    private const string ServicePath = "deploy/systemd/alpinemirror-update.service";
    private const string TimerPath = "deploy/systemd/alpinemirror-update.timer";

    // What --target can name: the [TaskName] of every task class in the build host.
    private static readonly HashSet<string> TaskNames = typeof(MirrorContext).Assembly.GetTypes()
        .Where(t => typeof(IFrostingTask).IsAssignableFrom(t) && !t.IsAbstract)
        .Select(t => t.GetCustomAttribute<TaskNameAttribute>()?.Name)
        .OfType<string>()
        .ToHashSet(StringComparer.Ordinal);

    private static readonly Regex TargetArgument = new(@"--target[= ]""?(?<name>[\w${]*)");
    private static readonly Regex ReportArgument = new(@"--report=""?(?<path>[^\s""']+)");

    // ---- every recipe ----

    [Theory]
    [InlineData(WorkflowPath)]
    [InlineData("Jenkinsfile")]
    [InlineData(ServicePath)]
    public void Should_name_only_targets_that_exist(string recipe)
    {
        // Given the targets the build host defines
        Assert.Contains("Update", TaskNames);

        // When every --target in the recipe (scripts, comments, the cron example) is read
        var targets = TargetArgument.Matches(File.ReadAllText(RepositoryRoot.File(recipe)))
            .Select(m => m.Groups["name"].Value)
            .ToList();

        // Then each names one of them
        Assert.NotEmpty(targets);
        Assert.All(targets, target => Assert.True(TaskNames.Contains(target),
            $"{recipe}: --target={target} is not a task; tasks are {string.Join(", ", TaskNames.Order())}"));
    }

    // ---- GitHub Actions workflow ----

    [Fact]
    public void Should_trigger_on_a_schedule_a_manual_dispatch_and_pull_requests()
    {
        var triggers = Mapping(LoadWorkflow(), "on");

        var cron = Scalar(Assert.IsType<YamlMappingNode>(Assert.Single(Sequence(triggers, "schedule").Children)), "cron");
        Assert.Equal(5, cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.True(triggers.Children.ContainsKey(new YamlScalarNode("pull_request")), $"{WorkflowPath}: no pull_request trigger");

        var inputs = Mapping(Mapping(triggers, "workflow_dispatch"), "inputs");
        var target = Mapping(inputs, "target");
        Assert.Equal("choice", Scalar(target, "type"));
        Assert.Equal(["Update", "Plan", "Rollback"], Sequence(target, "options").Children.Select(ScalarValue));
        Assert.Equal("Update", Scalar(target, "default"));
        Assert.Equal("boolean", Scalar(Mapping(inputs, "dryrun"), "type"));
        Assert.Equal("false", Scalar(Mapping(inputs, "dryrun"), "default"));
        Assert.Equal("string", Scalar(Mapping(inputs, "rollback_to"), "type"));
    }

    [Fact]
    public void Should_run_each_dispatchable_target_in_its_own_step_on_the_mirror_job()
    {
        var workflow = LoadWorkflow();
        var mirror = MirrorJob(workflow);
        var options = Sequence(Mapping(Mapping(Mapping(Mapping(workflow, "on"), "workflow_dispatch"), "inputs"), "target"), "options")
            .Children.Select(ScalarValue).ToList();

        // A scheduled run has no inputs, so TARGET must fall back to Update and the dry run to false.
        var env = Mapping(mirror, "env");
        Assert.Equal("${{ inputs.target || 'Update' }}", Scalar(env, "TARGET"));
        Assert.Equal("${{ inputs.dryrun || false }}", Scalar(env, "DRYRUN"));

        Assert.All(options, option =>
        {
            Assert.Contains(option, TaskNames);
            var step = Assert.Single(Steps(mirror), s => RunsTarget(s, option));
            Assert.Equal($"env.TARGET == '{option}'", Scalar(step, "if"));
        });
        var update = Steps(mirror).Single(s => RunsTarget(s, "Update"));
        Assert.Contains("--dryrun=\"$DRYRUN\"", Scalar(update, "run"));
    }

    [Fact]
    public void Should_never_run_pull_request_code_on_a_self_hosted_runner()
    {
        var jobs = Mapping(LoadWorkflow(), "jobs").Children;

        foreach (var (name, job) in jobs.Select(j => (ScalarValue(j.Key), (YamlMappingNode)j.Value)))
        {
            var labels = RunsOn(job);
            if (labels.Contains("self-hosted"))
            {
                Assert.Equal("github.event_name != 'pull_request'", Scalar(job, "if"));
                Assert.Equal(["self-hosted", "linux", "alpine-mirror"], labels);
            }
            else
            {
                Assert.Equal($"{name}:github.event_name == 'pull_request'", $"{name}:{Scalar(job, "if")}");
            }
        }

        // The pull-request job runs the test suite (.ci/run is `dotnet test`) and the Demo target instead.
        var test = jobs.Select(j => (YamlMappingNode)j.Value).Single(j => !RunsOn(j).Contains("self-hosted"));
        Assert.Equal(["ubuntu-latest"], RunsOn(test));
        var runs = Steps(test).Where(s => s.Children.ContainsKey(new YamlScalarNode("run"))).Select(s => Scalar(s, "run")).ToList();
        Assert.Contains(".ci/run", runs);
        Assert.Contains("dotnet test", File.ReadAllText(RepositoryRoot.File(".ci", "run")));
        Assert.Contains(runs, run => run.Contains("--target=Demo"));
    }

    [Fact]
    public void Should_never_run_two_updates_at_once_nor_cancel_a_running_one()
    {
        var concurrency = Mapping(MirrorJob(LoadWorkflow()), "concurrency");

        Assert.Equal("alpine-mirror", Scalar(concurrency, "group"));
        Assert.Equal("false", Scalar(concurrency, "cancel-in-progress"));
    }

    [Fact]
    public void Should_set_up_dotnet_from_global_json_and_cache_nuget_packages_keyed_on_the_project_files()
    {
        foreach (var job in Mapping(LoadWorkflow(), "jobs").Children.Values.Cast<YamlMappingNode>())
        {
            var steps = Steps(job);
            var setup = Assert.Single(steps, s => Uses(s) == "actions/setup-dotnet@v4");
            var globalJson = Scalar(Mapping(setup, "with"), "global-json-file");
            Assert.True(File.Exists(RepositoryRoot.File(globalJson)), $"{WorkflowPath}: global-json-file {globalJson} does not exist");

            var cache = Mapping(Assert.Single(steps, s => Uses(s) == "actions/cache@v4"), "with");
            Assert.Equal("~/.nuget/packages", Scalar(cache, "path"));
            Assert.Contains("hashFiles('**/*.csproj', 'build/Cake.props')", Scalar(cache, "key"));
            Assert.True(File.Exists(RepositoryRoot.File("build", "Cake.props")));
            var firstBuild = steps.FindIndex(s => Run(s).Contains("build.sh") || Run(s).Contains(".ci/run"));
            Assert.True(steps.IndexOf(setup) < firstBuild && steps.FindIndex(s => Uses(s) == "actions/cache@v4") < firstBuild,
                $"{WorkflowPath}: setup-dotnet and the NuGet cache must come before the first build");
        }
    }

    [Fact]
    public void Should_upload_the_reports_even_when_the_run_fails()
    {
        foreach (var job in Mapping(LoadWorkflow(), "jobs").Children.Values.Cast<YamlMappingNode>())
        {
            var steps = Steps(job);
            var upload = steps[^1];
            Assert.Equal("actions/upload-artifact@v4", Uses(upload));
            Assert.Equal("always()", Scalar(upload, "if"));
            var uploaded = Scalar(Mapping(upload, "with"), "path");

            // Every report a step writes lies in the uploaded folder.
            var reports = steps.SelectMany(s => ReportArgument.Matches(Run(s))).Select(m => m.Groups["path"].Value).ToList();
            Assert.All(reports, report => Assert.StartsWith(uploaded, report));
        }

        var mirrorReports = Steps(MirrorJob(LoadWorkflow())).SelectMany(s => ReportArgument.Matches(Run(s))).ToList();
        Assert.Equal(3, mirrorReports.Count);
    }

    [Fact]
    public void Should_pin_every_action_to_a_major_version()
    {
        var uses = Mapping(LoadWorkflow(), "jobs").Children.Values.Cast<YamlMappingNode>()
            .SelectMany(Steps).Select(Uses).Where(u => u.Length > 0).ToList();

        Assert.Equal(
            ["actions/cache@v4", "actions/checkout@v4", "actions/setup-dotnet@v4", "actions/upload-artifact@v4"],
            uses.Distinct().Order(StringComparer.Ordinal));
    }

    // ---- Jenkinsfile: text checks only; its Groovy syntax is checked by review ----

    [Fact]
    public void Should_nest_every_bracket_of_the_jenkinsfile_outside_strings_and_comments()
    {
        var jenkinsfile = new GroovySource(RepositoryRoot.File("Jenkinsfile"));

        Assert.Null(jenkinsfile.FirstUnbalancedBracket());
        // One pipeline block, and only comments before it and nothing after it.
        var pipeline = jenkinsfile.BlockRange(@"(?m)^pipeline");
        Assert.Equal("pipeline {", jenkinsfile.Code[..pipeline.Start].Trim());
        Assert.Equal("}", jenkinsfile.Code[pipeline.End..].Trim());
    }

    [Fact]
    public void Should_report_the_line_of_a_brace_left_open_in_a_broken_copy_of_the_jenkinsfile()
    {
        // Given the Jenkinsfile with the closing brace of its Update stage's when condition removed
        var text = File.ReadAllText(RepositoryRoot.File("Jenkinsfile"));
        var when = "when { expression { params.TARGET == 'Update' && !params.DRY_RUN } }";
        Assert.Contains(when, text);
        var broken = Path.Combine(Path.GetTempPath(), $"Jenkinsfile-{Guid.NewGuid():N}");
        File.WriteAllText(broken, text.Replace(when, when[..^2]));
        try
        {
            // When its brackets are checked
            var problem = new GroovySource(broken).FirstUnbalancedBracket();

            // Then the brace that opens the pipeline is reported as never closed
            Assert.Equal("line " + (text[..text.IndexOf("pipeline {", StringComparison.Ordinal)].Count(c => c == '\n') + 1)
                + ": '{' is never closed", problem);
        }
        finally
        {
            File.Delete(broken);
        }
    }

    [Fact]
    public void Should_offer_target_dry_run_and_rollback_parameters()
    {
        var parameters = new GroovySource(RepositoryRoot.File("Jenkinsfile")).Block(@"\bparameters");

        var choices = Regex.Match(parameters, @"choice\(name: 'TARGET', choices: \[(?<list>[^\]]*)\]");
        Assert.True(choices.Success, "Jenkinsfile: no choice parameter TARGET");
        var targets = choices.Groups["list"].Value.Split(',').Select(c => c.Trim().Trim('\'')).ToList();
        Assert.Equal(["Update", "Plan", "Rollback"], targets);
        Assert.All(targets, target => Assert.Contains(target, TaskNames));
        Assert.Matches(@"booleanParam\(name: 'DRY_RUN', defaultValue: false\b", parameters);
        Assert.Matches(@"string\(name: 'ROLLBACK_TO', defaultValue: ''", parameters);
    }

    [Fact]
    public void Should_map_stages_to_targets_and_update_only_when_not_a_dry_run()
    {
        var jenkinsfile = new GroovySource(RepositoryRoot.File("Jenkinsfile"));
        var stages = jenkinsfile.Block(@"\bstages");

        var names = Regex.Matches(stages, @"stage\('(?<name>\w+)'\)").Select(m => m.Groups["name"].Value).ToList();
        Assert.Equal(["Build", "Plan", "Update", "Rollback"], names);

        var plan = jenkinsfile.Block(@"stage\('Plan'\)");
        Assert.Contains("params.TARGET == 'Plan' || params.TARGET == 'Update'", plan);
        Assert.Contains("./build.sh --target=Plan --report=", plan);

        var update = jenkinsfile.Block(@"stage\('Update'\)");
        Assert.Contains("when { expression { params.TARGET == 'Update' && !params.DRY_RUN } }", update);
        Assert.Contains("./build.sh --target=Update", update);
        Assert.Contains("AWX_TOKEN = credentials('awx-token')", update);

        var rollback = jenkinsfile.Block(@"stage\('Rollback'\)");
        Assert.Contains("./build.sh --target=Rollback --dryrun=\"$DRY_RUN\" ${ROLLBACK_TO:+--to=\"$ROLLBACK_TO\"}", rollback);
    }

    [Fact]
    public void Should_pass_parameters_to_the_shell_only_through_the_environment()
    {
        // A double-quoted Groovy string would splice ${params…} or the token into the script itself.
        var jenkinsfile = new GroovySource(RepositoryRoot.File("Jenkinsfile"));

        var shells = Regex.Matches(jenkinsfile.Code, @"\bsh\s*\(?\s*(?<quote>['""]+)").ToList();

        Assert.Equal(5, shells.Count);
        Assert.All(shells, sh => Assert.True(sh.Groups["quote"].Value == "'",
            $"Jenkinsfile: line {jenkinsfile.LineOf(sh.Index)}: sh script is not a single-quoted string"));
    }

    [Fact]
    public void Should_archive_every_report_always()
    {
        var jenkinsfile = new GroovySource(RepositoryRoot.File("Jenkinsfile"));
        var post = jenkinsfile.BlockRange(@"\bpost");

        var always = jenkinsfile.Block(@"\balways", post.Start.Value);
        Assert.Contains("archiveArtifacts artifacts: 'artifacts/reports/**', allowEmptyArchive: true", always);

        // Reports are written into $REPORTS, which is the archived folder.
        Assert.Contains("REPORTS = 'artifacts/reports'", jenkinsfile.Block(@"(?m)^    environment"));
        var reports = ReportArgument.Matches(jenkinsfile.Text).Select(m => m.Groups["path"].Value).ToList();
        Assert.Equal(3, reports.Count);
        Assert.All(reports, report => Assert.StartsWith("$REPORTS/", report));
    }

    // ---- systemd units and cron ----

    [Fact]
    public void Should_pass_systemd_analyze_verify()
    {
        // Given both units, with the install folder /opt/alpinemirror pointed at this checkout so ExecStart exists
        var systemdAnalyze = FindOnPath("systemd-analyze");
        Assert.True(systemdAnalyze is not null, "systemd-analyze not found: install the Debian package systemd");
        var folder = Directory.CreateTempSubdirectory("alpinemirror-units-").FullName;
        try
        {
            string[] units = [ServicePath, TimerPath];
            foreach (var unit in units)
            {
                File.WriteAllText(Path.Combine(folder, Path.GetFileName(unit)),
                    File.ReadAllText(RepositoryRoot.File(unit)).Replace("/opt/alpinemirror", RepositoryRoot.Path));
            }

            // When systemd checks them
            var result = ExternalCommand.Run(systemdAnalyze, ["verify", .. units.Select(u => Path.Combine(folder, Path.GetFileName(u)))]);

            // Then it finds nothing to say: it reports unknown keys and bad values on stderr but still exits 0
            Assert.True(result.ExitCode == 0 && result.Error.Length == 0 && result.Output.Length == 0,
                $"systemd-analyze verify exited {result.ExitCode}: {result.Error}{result.OutputText}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Should_start_the_update_service_nightly_from_the_timer()
    {
        var timer = ReadUnit(TimerPath);
        var service = ReadUnit(ServicePath);

        // The timer starts the service of its own name (no Unit=), catches up a missed night and is enabled by timers.target.
        Assert.DoesNotContain(timer, entry => entry.Key == "Timer.Unit");
        Assert.Equal(Path.GetFileNameWithoutExtension(TimerPath), Path.GetFileNameWithoutExtension(ServicePath));
        Assert.Equal("*-*-* 03:17:00", Value(timer, "Timer.OnCalendar"));
        Assert.Equal("true", Value(timer, "Timer.Persistent"));
        Assert.Equal("timers.target", Value(timer, "Install.WantedBy"));

        Assert.Equal("oneshot", Value(service, "Service.Type"));
        Assert.Equal("/opt/alpinemirror/build.sh --target=Update", Value(service, "Service.ExecStart"));
        Assert.Equal("/opt/alpinemirror", Value(service, "Service.WorkingDirectory"));
        Assert.Contains("ALPINEMIRROR_CONFIG=/etc/alpinemirror.yaml", Value(service, "Service.Environment"));
    }

    [Fact]
    public void Should_show_the_same_update_as_a_cron_line()
    {
        var cron = File.ReadLines(RepositoryRoot.File(ServicePath))
            .Select(line => Regex.Match(line, @"^#\s+(?<schedule>(\S+\s+){5})(?<command>cd /opt/alpinemirror && .*)$"))
            .Single(m => m.Success);

        Assert.Equal("17 3 * * *", cron.Groups["schedule"].Value.Trim());
        Assert.Contains("ALPINEMIRROR_CONFIG=/etc/alpinemirror.yaml ./build.sh --target=Update", cron.Groups["command"].Value);
    }

    // ---- .ci/run ----

    // Tools every Debian system has (coreutils, findutils: essential packages) and the SDK the job sets up.
    private static readonly string[] ToolsNeedingNoInstall = ["bash", "cat", "cp", "dotnet", "find", "id", "ln", "readlink", "sha512sum", "stat"];

    [Fact]
    public void Should_install_every_tool_the_tests_run_by_its_command()
    {
        // Given the commands .ci/run checks for, each with the Debian package that provides it
        var script = File.ReadAllText(RepositoryRoot.File(".ci", "run"));
        var table = Regex.Match(script, @"^need=\((?<entries>.*?)^\)", RegexOptions.Multiline | RegexOptions.Singleline).Groups["entries"].Value;
        var commands = Regex.Matches(table, @"^\s*""(?<command>[\w.-]+)\s+(?<package>[\w.+-]+)""", RegexOptions.Multiline)
            .Select(m => m.Groups["command"].Value)
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains("ansible-playbook", commands);

        // When every program the tests start is collected from their sources
        var started = Directory.EnumerateFiles(RepositoryRoot.File("tests", "AlpineMirror.Tests"), "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => Regex.Matches(File.ReadAllText(file), @"(?:ExternalCommand\.(?:Run|Require)|new ProcessStartInfo)\(""(?<program>[\w.-]+)""")
                .Select(m => m.Groups["program"].Value))
            .ToHashSet(StringComparer.Ordinal);

        // Then each is in the table, or comes with every Debian system
        Assert.Contains("openssl", started);
        Assert.All(started, program => Assert.True(commands.Contains(program) || ToolsNeedingNoInstall.Contains(program),
            $".ci/run: the tests run '{program}', which is not in its need table"));
    }

    [Fact]
    public void Should_install_with_sudo_when_not_root()
    {
        // Given .ci/run, as GitHub's hosted runners run it (user runner, passwordless sudo)
        var script = File.ReadAllText(RepositoryRoot.File(".ci", "run"));

        // When its apt-get calls are read
        var aptCalls = script.Split('\n').Where(line => line.Contains("apt-get") && !line.TrimStart().StartsWith('#')).ToList();

        // Then each goes through the root prefix, which is sudo unless already root
        Assert.NotEmpty(aptCalls);
        Assert.All(aptCalls, line => Assert.Contains("\"${as_root[@]}\"", line));
        Assert.Contains("as_root=(sudo -n)", script);
        Assert.Contains("EUID != 0", script);
        Assert.Equal(0, ExternalCommand.Run("bash", ["-n", RepositoryRoot.File(".ci", "run")]).ExitCode);
    }

    // ---- helpers ----

    private static YamlMappingNode LoadWorkflow()
    {
        using var reader = File.OpenText(RepositoryRoot.File(WorkflowPath));
        var stream = new YamlStream();
        stream.Load(reader);
        return Assert.IsType<YamlMappingNode>(Assert.Single(stream.Documents).RootNode);
    }

    private static YamlMappingNode MirrorJob(YamlMappingNode workflow) =>
        Mapping(Mapping(workflow, "jobs"), "mirror");

    private static YamlNode Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child)
            ? child
            : throw new Xunit.Sdk.XunitException($"{WorkflowPath}: line {node.Start.Line}: no key '{key}'");

    private static YamlMappingNode Mapping(YamlMappingNode node, string key) => Assert.IsType<YamlMappingNode>(Child(node, key));

    private static YamlSequenceNode Sequence(YamlMappingNode node, string key) => Assert.IsType<YamlSequenceNode>(Child(node, key));

    private static string Scalar(YamlMappingNode node, string key) => ScalarValue(Child(node, key));

    private static string ScalarValue(YamlNode node) => Assert.IsType<YamlScalarNode>(node).Value ?? "";

    private static List<YamlMappingNode> Steps(YamlMappingNode job) =>
        Sequence(job, "steps").Children.Cast<YamlMappingNode>().ToList();

    private static string Uses(YamlMappingNode step) =>
        step.Children.TryGetValue(new YamlScalarNode("uses"), out var uses) ? ScalarValue(uses) : "";

    private static string Run(YamlMappingNode step) =>
        step.Children.TryGetValue(new YamlScalarNode("run"), out var run) ? ScalarValue(run) : "";

    private static bool RunsTarget(YamlMappingNode step, string target) =>
        TargetArgument.Matches(Run(step)).Any(m => m.Groups["name"].Value == target);

    private static List<string> RunsOn(YamlMappingNode job) => Child(job, "runs-on") switch
    {
        YamlSequenceNode labels => labels.Children.Select(ScalarValue).ToList(),
        var label => [ScalarValue(label)],
    };

    /// <summary>A unit file's settings as "Section.Key" = value, in order; comments and blank lines skipped.</summary>
    private static List<KeyValuePair<string, string>> ReadUnit(string path)
    {
        var entries = new List<KeyValuePair<string, string>>();
        var section = "";
        foreach (var line in File.ReadLines(RepositoryRoot.File(path)).Select(l => l.Trim()))
        {
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                section = line.Trim('[', ']');
                continue;
            }

            var equals = line.IndexOf('=');
            Assert.True(equals > 0, $"{path}: '{line}' is not Key=value");
            entries.Add(new($"{section}.{line[..equals]}", line[(equals + 1)..]));
        }

        return entries;
    }

    private static string Value(List<KeyValuePair<string, string>> unit, string key) =>
        Assert.Single(unit, entry => entry.Key == key).Value;

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);
}
