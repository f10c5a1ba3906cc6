using System.Security.Cryptography;
using System.Text;

namespace Workers.Callbacks;

/// <summary>The <c>X-Queue-Signature</c> value: <c>sha256=</c> and the lowercase hex HMAC-SHA256, keyed with the
/// UTF-8 bytes of the secret, of the timestamp header's value, a dot, and the body bytes exactly as sent.</summary>
public static class CallbackSignature
{
    public const string Prefix = "sha256=";

    public static string Compute(string signingKey, string timestamp, ReadOnlySpan<byte> body)
    {
        // The timestamp is signed with the body so a captured request cannot be replayed later under a fresh
        // timestamp; receivers reject old timestamps themselves.
        var prefix = Encoding.UTF8.GetByteCount(timestamp) + 1;
        var message = new byte[prefix + body.Length];
        Encoding.UTF8.GetBytes(timestamp, message);
        message[prefix - 1] = (byte)'.';
        body.CopyTo(message.AsSpan(prefix));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), message);
        return Prefix + Convert.ToHexStringLower(mac);
    }
}
