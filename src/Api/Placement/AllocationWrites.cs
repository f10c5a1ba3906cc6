using Api.Http;
using Contracts.Placement;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Api.Placement;

/// <summary>
/// Concurrent <c>PUT /allocations/{consumer}</c> and <c>POST /allocations</c> requests gathered into
/// <see cref="SetAllocationsBatch"/> messages (<see cref="CommandBatches{TCommand,TResult,TBatch,TBatchResult}"/>).
/// </summary>
public sealed class AllocationWrites(IClientFactory clients, IOptions<ApiOptions> options, ILogger<AllocationWrites> logger)
    : CommandBatches<SetAllocations, AllocationsResult, SetAllocationsBatch, SetAllocationsBatchResult>(clients, options, logger)
{
    protected override string Kind => "allocation writes";

    protected override SetAllocationsBatch Batch(IReadOnlyList<Item> items) =>
        new(items.Select(i => new SetAllocationsBatch.Item(i.CommandId, i.RequestId, i.Command)).ToList());

    protected override IEnumerable<(Guid CommandId, AllocationsResult Result)> Answers(SetAllocationsBatchResult result) =>
        result.Items.Select(i => (i.CommandId, i.Result));
}
