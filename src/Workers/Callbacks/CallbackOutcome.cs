namespace Workers.Callbacks;

public enum CallbackOutcome
{
    /// <summary>The receiver answered 2xx.</summary>
    Delivered,

    /// <summary>Worth another attempt: network error, timeout, 408, 429 or 5xx.</summary>
    Retry,

    /// <summary>Another attempt would get the same answer: 3xx (redirects are not followed), other 4xx, or an
    /// address the SSRF guard refuses.</summary>
    Final,
}
