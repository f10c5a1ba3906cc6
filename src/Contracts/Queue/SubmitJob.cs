namespace Contracts.Queue;

/// <summary>
/// POST /v1/{type}/: queue a job. <paramref name="Data"/> is the client's <c>data</c> object as compact JSON text
/// (returned as the job's <c>Data</c> string, and compared as JSON for an idempotent re-submit).
/// </summary>
/// <param name="AggregateLabel">What the client wrote in <c>data.host_aggregate</c> (a uuid or an operator's name).</param>
/// <param name="AggregateUuid">The aggregate that label stands for, resolved by the Api from configuration.</param>
public sealed record SubmitJob(
    string Type,
    string RequestId,
    string OwnerId,
    string Data,
    string Callback,
    IReadOnlyList<InstanceRequest> Instances,
    string? Project,
    string? AggregateLabel,
    Guid? AggregateUuid);
