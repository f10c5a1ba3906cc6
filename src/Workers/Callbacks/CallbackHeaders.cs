namespace Workers.Callbacks;

/// <summary>The headers every callback attempt carries besides <c>Content-Type</c>.</summary>
public static class CallbackHeaders
{
    /// <summary>The delivery's id, the same on every retry, so receivers can drop duplicates.</summary>
    public const string Delivery = "X-Queue-Delivery";

    /// <summary>Unix seconds of this attempt.</summary>
    public const string Timestamp = "X-Queue-Timestamp";

    /// <summary>Present only when a signing key is configured; see <see cref="CallbackSignature"/>.</summary>
    public const string Signature = "X-Queue-Signature";
}
