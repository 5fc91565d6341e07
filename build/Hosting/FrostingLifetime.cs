using Cake.Core;

namespace AlpineMirror.Build.Hosting;

/// <summary>Runs once before the first task and once after the last, failed or not; as in Cake.Frosting.</summary>
public abstract class FrostingLifetime<TContext> where TContext : ICakeContext
{
    public virtual void Setup(TContext context, ISetupContext info)
    {
    }

    public virtual void Teardown(TContext context, ITeardownContext info)
    {
    }
}
