using AlpineMirror.Build.Hosting;
using AlpineMirror.Build.Lifetime;

namespace AlpineMirror.Build;

/// <summary>The Cake host as ./build.sh runs it: the mirror's context, tasks, lifetimes and exit codes.</summary>
public static class MirrorHost
{
    public static CakeHost Create() =>
        new CakeHost()
            .UseContext<MirrorContext>()
            .UseLifetime<RunLifetime, MirrorContext>()
            .UseTaskLifetime<TaskGroupLifetime, MirrorContext>()
            .AddAssembly(typeof(MirrorContext).Assembly)
            .UseExitCodes(MirrorExitCodes.For);
}
