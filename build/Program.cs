using AlpineMirror.Build;
using AlpineMirror.Build.Hosting;

return await new CakeHost()
    .UseContext<MirrorContext>()
    .UseExitCodes(MirrorExitCodes.For)
    .RunAsync(args);
