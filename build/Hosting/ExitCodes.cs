namespace AlpineMirror.Build.Hosting;

/// <summary>Process exit codes; README lists them for operators and CI jobs.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
}
