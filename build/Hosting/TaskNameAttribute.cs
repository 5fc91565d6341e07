namespace AlpineMirror.Build.Hosting;

/// <summary>The name a task is run by (<c>--target=Name</c>); same shape as Cake.Frosting's attribute.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class TaskNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
