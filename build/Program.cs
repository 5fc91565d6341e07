using AlpineMirror.Build;

// Socket completions run their continuation on the socket engine's own threads (one per core) instead of hopping to
// the thread pool: a mirror run is thousands of short downloads, where that hop (a wake-up and a context switch per
// read) costs more than the read (bench/update.sh, full mirror: about a tenth less wall and CPU time). .NET reads
// the variable when the first socket is made, so it is set before anything else; an operator's own value wins.
const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (Environment.GetEnvironmentVariable(InlineSocketCompletions) is null)
{
    Environment.SetEnvironmentVariable(InlineSocketCompletions, "1");
}

return await MirrorHost.Create().RunAsync(args);
