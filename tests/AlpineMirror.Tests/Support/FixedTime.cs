namespace AlpineMirror.Tests.Support;

/// <summary>A clock that stands still until a test moves it, so waits of hours are tested without waiting.</summary>
public sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
