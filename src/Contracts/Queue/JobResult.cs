namespace Contracts.Queue;

/// <summary>One job, or the problem. <paramref name="Created"/>: a submit that created it (201), not a safe retry (200).</summary>
public sealed record JobResult(JobView? Job, QueueProblem? Problem, bool Created = false);
