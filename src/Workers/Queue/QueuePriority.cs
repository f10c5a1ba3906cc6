namespace Workers.Queue;

/// <summary>
/// A new job's priority: the nanoseconds since the original service's fixed epoch, 2018-07-26T05:51:00.621743520Z,
/// so the default order is arrival order and there is room between any two neighbours.
/// </summary>
public static class QueuePriority
{
    static readonly long EpochTicks = new DateTime(2018, 7, 26, 5, 51, 0, DateTimeKind.Utc).Ticks + 6_217_435;
    const long EpochExtraNanoseconds = 20; // .621743520: a tick is 100 ns, so 20 ns are left over

    public static long At(DateTimeOffset now) => (now.UtcTicks - EpochTicks) * 100 - EpochExtraNanoseconds;
}
