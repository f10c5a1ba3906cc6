using Microsoft.Extensions.Options;

namespace Workers.Callbacks;

/// <summary>
/// When a failed delivery is tried again. The backoff doubles from 1 s and is capped at 5 min: after attempt n the
/// base is min(2^(n-1) s, 5 min), and the delay is drawn uniformly from [base / 2, base] ("equal jitter"). Jitter
/// spreads the retries of many deliveries that failed together (a receiver's outage); keeping half the base as a
/// floor, unlike full jitter, stops a recovering receiver from being hit again almost at once.
/// </summary>
public sealed class CallbackRetryPolicy(IOptions<CallbackOptions> options, Random random)
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The time the next attempt is due, or null to give up: after <see cref="CallbackOptions.MaxAttempts"/> attempts,
    /// or when the next attempt would fall after <paramref name="firstAttemptAt"/> + <see cref="CallbackOptions.MaxAge"/>.
    /// A receiver's <paramref name="retryAfter"/> is honoured as a minimum delay, even beyond the 5 min cap; one that
    /// reaches past the delivery's age limit gives up instead.
    /// </summary>
    /// <param name="attemptsSoFar">Attempts made, the one that just failed included (1 after the first).</param>
    public DateTimeOffset? Next(int attemptsSoFar, DateTimeOffset firstAttemptAt, DateTimeOffset now, TimeSpan? retryAfter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attemptsSoFar, 1);
        var settings = options.Value;
        if (attemptsSoFar >= settings.MaxAttempts)
            return null;

        var delay = Backoff(attemptsSoFar);
        if (retryAfter > delay)
            delay = retryAfter.Value;
        var due = now + delay;
        return due > firstAttemptAt + settings.MaxAge ? null : due;
    }

    TimeSpan Backoff(int attemptsSoFar)
    {
        // 2^9 s already exceeds the cap; stopping the exponent there also keeps it from overflowing.
        var @base = attemptsSoFar > 9 ? MaxDelay : TimeSpan.FromTicks(Math.Min(FirstDelay.Ticks << (attemptsSoFar - 1), MaxDelay.Ticks));
        return @base / 2 + @base / 2 * random.NextDouble();
    }
}
