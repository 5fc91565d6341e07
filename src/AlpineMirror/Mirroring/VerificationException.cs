namespace AlpineMirror.Mirroring;

/// <summary>A staging folder that does not hold exactly what the plan says; it must not be published.</summary>
public sealed class VerificationException : IntegrityException
{
    /// <summary>How many problems are named in the message and <see cref="Problems"/>.</summary>
    public const int MaxListed = 10;

    public VerificationException(string stagingPath, IReadOnlyList<string> problems)
        : base(stagingPath, Describe(problems))
    {
        ProblemCount = problems.Count;
        Problems = problems.Take(MaxListed).ToList();
    }

    /// <summary>The first problems found, each naming the file, the field, the expected and the actual value.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>All problems found, listed or not.</summary>
    public int ProblemCount { get; }

    private static string Describe(IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (problems.Count == 0)
        {
            throw new ArgumentException("a verification failure needs at least one problem", nameof(problems));
        }

        var listed = string.Join("; ", problems.Take(MaxListed));
        var more = problems.Count > MaxListed ? $"; and {problems.Count - MaxListed} more" : "";
        var noun = problems.Count == 1 ? "problem" : "problems";
        return $"not publishable, {problems.Count} {noun}: {listed}{more}";
    }
}
