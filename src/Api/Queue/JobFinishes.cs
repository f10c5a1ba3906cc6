using Api.Http;
using Contracts.Queue;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Api.Queue;

/// <summary>
/// Concurrent finishes (a status change to <c>done</c>) gathered into <see cref="FinishJobsBatch"/> messages
/// (<see cref="CommandBatches{TCommand,TResult,TBatch,TBatchResult}"/>): at a thousand admissions a second, a finish
/// a host frees is most of what reaches the broker and most of the database's commits.
/// </summary>
public sealed class JobFinishes(IClientFactory clients, IOptions<ApiOptions> options, ILogger<JobFinishes> logger)
    : CommandBatches<ChangeJob, JobChangeResult, FinishJobsBatch, FinishJobsBatchResult>(clients, options, logger)
{
    protected override string Kind => "job finishes";

    protected override FinishJobsBatch Batch(IReadOnlyList<Item> items) =>
        new(items.Select(i => new FinishJobsBatch.Item(i.CommandId, i.RequestId, i.Command)).ToList());

    protected override IEnumerable<(Guid CommandId, JobChangeResult Result)> Answers(FinishJobsBatchResult result) =>
        result.Items.Select(i => (i.CommandId, i.Result));
}
