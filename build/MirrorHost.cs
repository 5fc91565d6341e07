using AlpineMirror.Build.Hosting;
using AlpineMirror.Build.Lifetime;
using AlpineMirror.Build.Tasks;

namespace AlpineMirror.Build;

/// <summary>The Cake host as ./build.sh runs it: the mirror's context, tasks, lifetimes and exit codes.</summary>
public static class MirrorHost
{
    public static CakeHost Create() =>
        new CakeHost()
            .UseContext<MirrorContext>()
            .UseLifetime<RunLifetime, MirrorContext>()
            .UseTaskLifetime<TaskGroupLifetime, MirrorContext>()
            .AddTask<Plan>()
            .AddTask<Snapshot>()
            .AddTask<Mirror>()
            .AddTask<Verify>()
            .AddTask<Relink>()
            .AddTask<InHouseKey>()
            .AddTask<Tasks.InHouse>()
            .AddTask<Withdraw>()
            .AddTask<TriggerAnsible>()
            .AddTask<Antivirus>()
            .AddTask<Update>()
            .AddTask<Prune>()
            .AddTask<Rollback>()
            .AddTask<Tasks.Demo>()
            .UseExitCodes(MirrorExitCodes.For);
}
