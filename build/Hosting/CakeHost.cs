using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Cake.Core;
using Cake.Core.Configuration;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Cake.Core.Tooling;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace AlpineMirror.Build.Hosting;

/// <summary>
/// Cake.Frosting's host shape on Cake's own engine: typed tasks described by their attributes, one typed context,
/// Cake's task summary, and an exit code with a one-line error instead of a stack trace.
/// </summary>
/// <remarks>
/// Tasks are registered by type rather than found by scanning assemblies, so the host publishes as Native AOT: the
/// compiler then keeps exactly the constructors and methods it reads.
/// </remarks>
public sealed class CakeHost
{
    private const DynamicallyAccessedMemberTypes TaskMembers =
        DynamicallyAccessedMemberTypes.PublicParameterlessConstructor | DynamicallyAccessedMemberTypes.PublicMethods;

    private readonly List<RegisteredTask> _tasks = [];
    private Func<ICakeContext, ICakeContext> _createContext = context => context;
    private Func<Exception, int> _exitCodeFor = _ => ExitCodes.Failure;
    private TextWriter _errorOutput = Console.Error;
    private Action<CakeEngine, ICakeContext> _registerLifetimes = (_, _) => { };

    public CakeHost UseContext<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TContext>()
        where TContext : ICakeContext
    {
        _createContext = context => (TContext)Activator.CreateInstance(typeof(TContext), context)!;
        return this;
    }

    public CakeHost UseLifetime<TLifetime, TContext>()
        where TLifetime : FrostingLifetime<TContext>, new()
        where TContext : ICakeContext
    {
        var lifetime = new TLifetime();
        _registerLifetimes += (engine, context) =>
        {
            engine.RegisterSetupAction(info => lifetime.Setup((TContext)context, info));
            engine.RegisterTeardownAction(info => lifetime.Teardown((TContext)context, info));
        };
        return this;
    }

    public CakeHost UseTaskLifetime<TLifetime, TContext>()
        where TLifetime : FrostingTaskLifetime<TContext>, new()
        where TContext : ICakeContext
    {
        var lifetime = new TLifetime();
        _registerLifetimes += (engine, context) =>
        {
            engine.RegisterTaskSetupAction(info => lifetime.Setup((TContext)context, info));
            engine.RegisterTaskTeardownAction(info => lifetime.Teardown((TContext)context, info));
        };
        return this;
    }

    /// <summary>Adds a task class; its [TaskName], [TaskDescription] and [IsDependentOn] attributes describe it.</summary>
    public CakeHost AddTask<[DynamicallyAccessedMembers(TaskMembers)] TTask>() where TTask : IFrostingTask, new()
    {
        var type = typeof(TTask);
        _tasks.Add(new RegisteredTask(
            TaskNameOf(type),
            type.GetCustomAttribute<TaskDescriptionAttribute>()?.Description ?? "",
            type.GetCustomAttributes<IsDependentOnAttribute>().Select(d => TaskNameOf(d.Task)).ToList(),
            new TTask(),
            HandlesErrors: Overrides(type, nameof(IFrostingTask.OnError)),
            HasFinally: Overrides(type, nameof(IFrostingTask.Finally))));
        return this;
    }

    /// <summary>Maps a failure to the process exit code; the message always goes to standard error.</summary>
    public CakeHost UseExitCodes(Func<Exception, int> exitCodeFor)
    {
        _exitCodeFor = exitCodeFor;
        return this;
    }

    public CakeHost UseErrorOutput(TextWriter errorOutput)
    {
        _errorOutput = errorOutput;
        return this;
    }

    public int Run(IReadOnlyList<string> args) => RunAsync(args).GetAwaiter().GetResult();

    public async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        HostArguments arguments;
        try
        {
            arguments = HostArguments.Parse(args);
        }
        catch (HostUsageException exception)
        {
            return Fail(exception, ExitCodes.Usage);
        }

        var environment = new CakeEnvironment(new CakePlatform(), new CakeRuntime());
        var colours = ConsoleColours.EnabledHere();
        var console = new StandardOutputConsole(new CakeConsole(environment), colours);
        AnsiConsole.Console = ConsoleColours.SpectreConsole(colours);
        var log = new CakeBuildLog(console, arguments.Verbosity);
        var data = new CakeDataService();
        var engine = new CakeEngine(data, log);
        ICakeContext? context = null;

        try
        {
            var tasks = _tasks;
            if (arguments.Help)
            {
                PrintTargets(tasks, console);
                return ExitCodes.Success;
            }

            if (!tasks.Any(t => string.Equals(t.Name, arguments.Target, StringComparison.OrdinalIgnoreCase)))
            {
                throw new HostUsageException(
                    $"unknown target '{arguments.Target}': expected one of {string.Join(", ", tasks.Select(t => t.Name))}");
            }

            context = _createContext(CreateCakeContext(environment, log, data, arguments));
            foreach (var task in tasks)
            {
                Register(engine, task);
            }

            _registerLifetimes(engine, context);

            var settings = new ExecutionSettings().SetTarget(arguments.Target);
            if (arguments.Exclusive)
            {
                settings.UseExclusiveTarget();
            }

            IExecutionStrategy strategy = arguments.DryRun
                ? new DryRunExecutionStrategy(log, tasks.ToDictionary(t => t.Name, t => t.Instance, StringComparer.OrdinalIgnoreCase))
                : new DefaultExecutionStrategy(log, new CakeReportPrinter(console, context));
            if (arguments.DryRun)
            {
                log.Information("Dry run: these tasks would run, in this order; only those that change nothing run:");
            }

            var report = await engine.RunTargetAsync(context, strategy, settings);
            if (!arguments.DryRun)
            {
                new CakeReportPrinter(console, context).Write(report);
            }

            return ExitCodes.Success;
        }
        catch (HostUsageException exception)
        {
            return Fail(exception, ExitCodes.Usage);
        }
        catch (CakeReportException exception) when (exception.Report is { } report && context is not null)
        {
            // Cake wraps a task's failure with the report of what ran; show it as a successful run would.
            new CakeReportPrinter(console, context).Write(report);
            var cause = Unwrap(exception);
            return Fail(cause, _exitCodeFor(cause));
        }
        catch (Exception exception)
        {
            var cause = Unwrap(exception);
            return Fail(cause, _exitCodeFor(cause));
        }
        finally
        {
            // The typed context may hold the run's lock or other resources for the whole run.
            (context as IDisposable)?.Dispose();
        }
    }

    private int Fail(Exception exception, int exitCode)
    {
        var oneLine = exception is OperationCanceledException
            ? "the run was cancelled (Ctrl+C or SIGTERM); work in progress is kept for the next run to resume"
            : exception.Message.ReplaceLineEndings(" ");
        _errorOutput.WriteLine($"Error: {oneLine}");
        return exitCode;
    }

    /// <summary>The failure itself, without the wrappers Cake and reflection put around it.</summary>
    public static Exception Unwrap(Exception exception) => exception switch
    {
        AggregateException { InnerExceptions.Count: 1 } aggregate => Unwrap(aggregate.InnerExceptions[0]),
        TargetInvocationException { InnerException: { } inner } => Unwrap(inner),
        CakeReportException { InnerException: { } inner } => Unwrap(inner),
        _ => exception,
    };

    private static string TaskNameOf(Type type) =>
        type.GetCustomAttribute<TaskNameAttribute>()?.Name
        ?? throw new InvalidOperationException($"{type.FullName}: task classes need a [TaskName] attribute");

    private static void Register(CakeEngine engine, RegisteredTask task)
    {
        var builder = engine.RegisterTask(task.Name)
            .Description(task.Description)
            .WithCriteria(context => task.Instance.ShouldRun(context), $"{task.Name} has nothing to do")
            .Does(context => task.Instance.RunAsync(context));
        foreach (var dependency in task.Dependencies)
        {
            builder.IsDependentOn(dependency);
        }

        // Like Cake.Frosting: a task that overrides OnError handles its own errors, so the run goes on.
        if (task.HandlesErrors)
        {
            builder.OnError((exception, context) => task.Instance.OnError(exception, context));
        }

        if (task.HasFinally)
        {
            builder.Finally(context => task.Instance.Finally(context));
        }
    }

    private static void PrintTargets(IEnumerable<RegisteredTask> tasks, IConsole console)
    {
        console.WriteLine("Targets (--target=Name):");
        foreach (var task in tasks.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            console.WriteLine($"  {task.Name,-16} {task.Description}");
        }
    }

    private static CakeContext CreateCakeContext(
        ICakeEnvironment environment, ICakeLog log, ICakeDataService data, HostArguments arguments)
    {
        var fileSystem = new FileSystem();
        var globber = new Globber(fileSystem, environment);
        var configuration = new CakeConfiguration(new Dictionary<string, string>());
        var toolLocator = new ToolLocator(
            environment,
            new ToolRepository(environment),
            new ToolResolutionStrategy(fileSystem, environment, globber, configuration, log));
        return new CakeContext(
            fileSystem,
            environment,
            globber,
            log,
            new CakeArguments(arguments.Arguments),
            new ProcessRunner(fileSystem, environment, log, toolLocator, configuration),
            new WindowsRegistry(),
            toolLocator,
            data,
            configuration,
            new ToolInstaller(environment, toolLocator, configuration, log, []),
            new ServiceCollection().BuildServiceProvider());
    }

    private static bool Overrides([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods)] Type type, string method) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Instance).Any(m => m.Name == method && m.DeclaringType == type);

    private sealed record RegisteredTask(
        string Name, string Description, IReadOnlyList<string> Dependencies, IFrostingTask Instance, bool HandlesErrors, bool HasFinally);
}
