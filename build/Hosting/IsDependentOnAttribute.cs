namespace AlpineMirror.Build.Hosting;

/// <summary>Declares a task that must run before this one; same shape as Cake.Frosting's attribute.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class IsDependentOnAttribute(Type task) : Attribute
{
    public Type Task { get; } = task;
}
