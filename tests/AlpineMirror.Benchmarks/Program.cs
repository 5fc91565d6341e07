using AlpineMirror.Benchmarks;
using BenchmarkDotNet.Running;

// bench/update.sh drives the commands named by the first argument; anything else is a BenchmarkDotNet run.
try
{
    return args.FirstOrDefault() switch
    {
        GenerateUpstreamCommand.Name => GenerateUpstreamCommand.Run(args[1..]),
        GenerateIndexesCommand.Name => GenerateIndexesCommand.Run(args[1..]),
        CloneCommand.Name => await CloneCommand.RunAsync(args[1..]),
        DelayProxyCommand.Name => await DelayProxyCommand.RunAsync(args[1..]),
        _ => RunBenchmarks(args),
    };
}
catch (CommandUsageException error)
{
    Console.Error.WriteLine(error.Message);
    return 2;
}

static int RunBenchmarks(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    return 0;
}
