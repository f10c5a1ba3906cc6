namespace Contracts.Placement;

/// <summary>
/// Allocation writes gathered by the Api from concurrent requests into one message, so the broker and the database
/// carry one message and one transaction for many writes. Each write is still checked, applied or refused, recorded
/// in the inbox and answered on its own, in the order given.
/// </summary>
public sealed record SetAllocationsBatch(IReadOnlyList<SetAllocationsBatch.Item> Items)
{
    /// <param name="CommandId">Identifies the write in the inbox: a redelivered batch answers it from there.</param>
    /// <param name="RequestId">The HTTP request's id, for the worker's log lines about it.</param>
    public sealed record Item(Guid CommandId, string? RequestId, SetAllocations Command);
}
