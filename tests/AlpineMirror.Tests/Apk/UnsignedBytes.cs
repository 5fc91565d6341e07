namespace AlpineMirror.Tests.Apk;

/// <summary>
/// What a flipped byte may leave undetected in a signed file: only changes inside the signature member, which nothing
/// signs, that leave its content as it was (gzip header hints FTEXT, MTIME, XFL, OS, and redundant deflate bits).
/// </summary>
internal static class UnsignedBytes
{
    public static void AssertOnlyHarmless(byte[] signedFile, IReadOnlyCollection<int> undetected)
    {
        var signatureMember = RawGzipMembers.Split(signedFile)[0];
        var original = ExternalCommand.Require("gzip", ["-dc"], signatureMember).Output;
        Assert.All(undetected, position =>
        {
            Assert.InRange(position, 0, signatureMember.Length - 1);
            var tampered = signatureMember.ToArray();
            tampered[position] ^= 0x01;
            Assert.Equal(original, ExternalCommand.Require("gzip", ["-dc"], tampered).Output);
        });
        Assert.Subset(undetected.ToHashSet(), new HashSet<int> { 4, 5, 6, 7, 8, 9 });
    }
}
