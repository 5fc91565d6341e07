namespace AlpineMirror.Storage;

/// <summary>What a run did to the published snapshot.</summary>
public enum RunAction
{
    /// <summary>A new snapshot was published.</summary>
    Update,

    /// <summary>latest-stable was switched back to an older snapshot.</summary>
    Rollback,
}
