namespace Contracts.Placement;

public sealed record SetAllocationsBatchResult(IReadOnlyList<SetAllocationsBatchResult.Item> Items)
{
    public sealed record Item(Guid CommandId, AllocationsResult Result);
}
