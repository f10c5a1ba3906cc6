namespace Contracts.Queue;

/// <summary>
/// Finishes (<c>POST /v1/{type}/{request_id}</c> with status <c>done</c>) gathered by the Api from concurrent requests
/// into one message, so the broker and the database carry one message and one transaction for many. Each finish is
/// still applied or refused, recorded in the inbox and answered on its own, in the order given.
/// </summary>
public sealed record FinishJobsBatch(IReadOnlyList<FinishJobsBatch.Item> Items)
{
    /// <param name="CommandId">Identifies the finish in the inbox: a redelivered batch answers it from there.</param>
    /// <param name="RequestId">The HTTP request's id, for the worker's log lines about it.</param>
    /// <param name="Command">A change whose status is <c>done</c>.</param>
    public sealed record Item(Guid CommandId, string? RequestId, ChangeJob Command);
}
