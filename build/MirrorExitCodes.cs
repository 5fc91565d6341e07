using AlpineMirror.Apk;
using AlpineMirror.Build.Hosting;
using AlpineMirror.Configuration;
using AlpineMirror.Deploy;
using AlpineMirror.Mirroring;
using AlpineMirror.Storage;
using AlpineMirror.Upstream;

namespace AlpineMirror.Build;

/// <summary>Which exit code each kind of failure gets, so a CI job can tell them apart (README lists them).</summary>
public static class MirrorExitCodes
{
    public const int Verification = 3;
    public const int Network = 4;
    public const int Locked = 5;
    public const int WipeGuard = 6;
    public const int Deploy = 7;

    public static int For(Exception exception) => exception switch
    {
        UsageException => ExitCodes.Usage,
        IntegrityException => Verification,
        NetworkException => Network,
        LockHeldException => Locked,
        WipeGuardException => WipeGuard,
        DeployException => Deploy,
        _ => ExitCodes.Failure,
    };
}
