using Cake.Core;

namespace AlpineMirror.Build.Hosting;

/// <summary>What the host needs of a task class, independent of its context type.</summary>
public interface IFrostingTask
{
    Task RunAsync(ICakeContext context);
    bool ShouldRun(ICakeContext context);
    void OnError(Exception exception, ICakeContext context);
    void Finally(ICakeContext context);
}
