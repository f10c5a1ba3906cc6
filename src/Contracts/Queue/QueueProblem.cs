namespace Contracts.Queue;

/// <summary>An expected outcome the queue API answers with <c>{"ok": false, "error", "code"}</c> and this status.</summary>
public sealed record QueueProblem(int Status, string Code, string Error)
{
    public static QueueProblem NotFound(string type, string requestId) => new(404, "not_found", $"no job '{requestId}' in queue '{type}'");
}
