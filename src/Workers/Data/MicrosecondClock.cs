namespace Workers.Data;

/// <summary>
/// The system clock in whole microseconds, the precision PostgreSQL stores. An instant the workers take (a job's
/// admission, a delivery's attempt) is then the same in the answer or callback that carries it at once and in every
/// later read of the row; with the system clock's 100 ns ticks the two differed in the seventh fractional digit.
/// </summary>
public sealed class MicrosecondClock : TimeProvider
{
    public override DateTimeOffset GetUtcNow()
    {
        var now = System.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }
}
