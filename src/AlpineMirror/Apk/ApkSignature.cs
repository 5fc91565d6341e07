using System.Security.Cryptography;

namespace AlpineMirror.Apk;

/// <summary>One <c>.SIGN.&lt;ALG&gt;.&lt;keyname&gt;</c> entry of a signature segment (APK-FORMAT.md §1.3, §2.2).</summary>
/// <param name="EntryName">The tar entry name, e.g. <c>.SIGN.RSA.alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub</c>.</param>
/// <param name="Algorithm">RSA, RSA256, RSA512, or whatever unknown word the entry carries.</param>
/// <param name="KeyName">The public key file name the signature claims.</param>
/// <param name="Value">The raw signature bytes.</param>
public sealed record ApkSignature(string EntryName, string Algorithm, string KeyName, byte[] Value)
{
    /// <summary>The digest apk uses with <see cref="Algorithm"/> (PKCS#1 v1.5), or null when it is not an RSA algorithm apk knows.</summary>
    public HashAlgorithmName? Hash => Algorithm switch
    {
        "RSA" => HashAlgorithmName.SHA1,
        "RSA256" => HashAlgorithmName.SHA256,
        "RSA512" => HashAlgorithmName.SHA512,
        _ => null,
    };
}
