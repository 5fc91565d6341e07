using Cake.Core;

namespace AlpineMirror.Build.Hosting;

/// <summary>Runs before and after every task; as in Cake.Frosting.</summary>
public abstract class FrostingTaskLifetime<TContext> where TContext : ICakeContext
{
    public virtual void Setup(TContext context, ITaskSetupContext info)
    {
    }

    public virtual void Teardown(TContext context, ITaskTeardownContext info)
    {
    }
}
