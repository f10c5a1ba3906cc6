namespace Contracts.Queue;

public sealed record FinishJobsBatchResult(IReadOnlyList<FinishJobsBatchResult.Item> Items)
{
    public sealed record Item(Guid CommandId, JobChangeResult Result);
}
