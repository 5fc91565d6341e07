namespace AlpineMirror.Build.Hosting;

/// <summary>One line describing a task, shown by <c>--target=Help</c>; same shape as Cake.Frosting's attribute.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class TaskDescriptionAttribute(string description) : Attribute
{
    public string Description { get; } = description;
}
