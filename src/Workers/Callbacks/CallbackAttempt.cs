namespace Workers.Callbacks;

/// <summary>
/// What one delivery attempt gave.
/// </summary>
/// <param name="At">The attempt's time, as sent in <c>X-Queue-Timestamp</c> (whole seconds there).</param>
/// <param name="Status">The HTTP status, when the receiver answered.</param>
/// <param name="Error">Short text for the delivery's history (<c>HTTP 503</c>, <c>timeout after 10 s</c>,
/// <c>connection refused</c>); null when delivered.</param>
/// <param name="RetryAfter">The receiver's <c>Retry-After</c> on a retryable answer, as a delay from when the
/// answer came; never negative.</param>
public sealed record CallbackAttempt(
    CallbackOutcome Outcome, DateTimeOffset At, int? Status, string? Error, TimeSpan? RetryAfter = null);
