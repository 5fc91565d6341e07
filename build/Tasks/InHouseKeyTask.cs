using AlpineMirror.Build.Hosting;
using Cake.Core.Diagnostics;

namespace AlpineMirror.Build.Tasks;

[TaskName(nameof(InHouseKey))]
[TaskDescription("Key ceremony: create the in-house signing key (private at --inhouse-key, mode 0600) and publish <name>.rsa.pub; never overwrites a key")]
public sealed class InHouseKey : FrostingTask<MirrorContext>
{
    public override void Run(MirrorContext context)
    {
        var publicKey = context.InHouseFeed().CreateKey();
        context.Log.Information("Created the in-house key {0}; stations trust {1} in /etc/apk/keys. Back up the private key.", context.Options.InHouse.Key, publicKey);
    }
}
