using System.Diagnostics;
using System.Text;

namespace AlpineMirror.Tests.Apk;

/// <summary>Runs a real command-line tool (openssl, tar, gzip, sha256sum) so writer output is checked by an independent implementation.</summary>
internal static class ExternalCommand
{
    public sealed record Result(int ExitCode, byte[] Output, string Error)
    {
        public string OutputText => Encoding.UTF8.GetString(Output);
    }

    public static Result Run(string program, IEnumerable<string> arguments, byte[]? input = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"{program}: could not start");
        // Read both pipes while writing stdin so a large output cannot deadlock the child.
        var output = new MemoryStream();
        var copyOutput = process.StandardOutput.BaseStream.CopyToAsync(output);
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            process.StandardInput.BaseStream.Write(input);
        }

        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill();
            throw new TimeoutException($"{program} {string.Join(' ', start.ArgumentList)}: still running after a minute");
        }

        copyOutput.GetAwaiter().GetResult();
        return new Result(process.ExitCode, output.ToArray(), error.GetAwaiter().GetResult());
    }

    /// <summary>Runs and requires exit code 0, returning the output.</summary>
    public static Result Require(string program, IEnumerable<string> arguments, byte[]? input = null, string? workingDirectory = null)
    {
        var result = Run(program, arguments, input, workingDirectory);
        Assert.True(result.ExitCode == 0,
            $"{program} {string.Join(' ', arguments)} exited {result.ExitCode}: {result.Error}");
        return result;
    }
}
