using AlpineMirror.Build.Printing;
using AlpineMirror.Mirroring;
using Spectre.Console;

namespace AlpineMirror.Tests.Mirroring;

public sealed class MirrorProgressPrinterTests
{
    private const long MiB = 1024 * 1024;

    [Theory]
    [InlineData(true, false, null, true)]
    [InlineData(true, false, "", true)]
    [InlineData(false, false, null, false)]
    [InlineData(true, true, null, false)]
    [InlineData(true, false, "true", false)]
    public void Should_draw_bars_only_on_an_interactive_terminal_outside_ci(bool interactive, bool redirected, string? ci, bool expected)
    {
        Assert.Equal(expected, MirrorProgressPrinter.DrawsBars(interactive, redirected, ci));
    }

    [Fact]
    public void Should_write_files_bytes_rate_and_eta_on_one_line()
    {
        var progress = new MirrorProgress(812, 10000, (long)(15.2 * MiB), 210 * MiB, TimeSpan.FromSeconds(3));

        var line = MirrorProgressPrinter.Line(progress, 48.1 * MiB);

        Assert.Equal("mirror: 812/10000 files, 15.2/210.0 MiB, 48.1 MiB/s, ETA 5s", line);
    }

    [Fact]
    public void Should_estimate_by_files_once_nothing_is_left_to_download()
    {
        // An incremental run: the bytes are done, kept files are still being hashed.
        var progress = new MirrorProgress(2500, 10000, 5 * MiB, 5 * MiB, TimeSpan.FromSeconds(1));

        Assert.EndsWith("ETA 3s", MirrorProgressPrinter.Line(progress, 0));
        Assert.EndsWith("ETA ?", MirrorProgressPrinter.Line(progress with { FilesDone = 0, BytesDone = 0 }, 0));
        Assert.EndsWith("ETA 2m05s", MirrorProgressPrinter.Line(new MirrorProgress(0, 10, 0, 125 * MiB, TimeSpan.FromSeconds(1)), MiB));
    }

    [Fact]
    public async Task Should_print_a_plain_line_every_five_seconds_and_a_final_line_when_not_interactive()
    {
        // Given a console that is not interactive, as in a CI log
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });

        // When a mirror reports progress over 11 seconds
        var result = await MirrorProgressPrinter.RunAsync(console, progress =>
        {
            foreach (var second in new[] { 0.25, 2.5, 5.0, 7.5, 10.0, 11.0 })
            {
                var bytes = (long)(second * 10 * MiB);
                progress.Report(new MirrorProgress((int)(second * 10), 110, bytes, 110 * MiB, TimeSpan.FromSeconds(second)));
            }

            return Task.FromResult(42);
        });

        // Then two periodic lines and the final one were written, and the mirror's result came back
        Assert.Equal(42, result);
        Assert.Equal(
        [
            "mirror: 50/110 files, 50.0/110.0 MiB, 10.0 MiB/s, ETA 6s",
            "mirror: 100/110 files, 100.0/110.0 MiB, 10.0 MiB/s, ETA 1s",
            "mirror: done, 110/110 files, 110.0/110.0 MiB in 11.0s (10.0 MiB/s)",
        ], output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task Should_draw_bars_that_end_full_on_an_interactive_console()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(output),
        });

        await MirrorProgressPrinter.RunAsync(console, drawBars: true, progress =>
        {
            progress.Report(new MirrorProgress(4, 10, MiB, 3 * MiB, TimeSpan.FromSeconds(1)));
            progress.Report(new MirrorProgress(10, 10, 3 * MiB, 3 * MiB, TimeSpan.FromSeconds(2)));
            return Task.FromResult(0);
        });

        var text = output.ToString();
        Assert.Contains("files    10/10 files", text);
        Assert.Contains("download 3.0/3.0 MiB, 2.0 MiB/s, ETA 0s", text);
        Assert.Contains("100%", text);
        Assert.DoesNotContain("mirror: done", text);
    }
}
