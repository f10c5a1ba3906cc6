namespace Contracts.Queue;

/// <summary>The answer to a change, a delete or a re-send: nothing, or the problem.</summary>
public sealed record JobChangeResult(QueueProblem? Problem);
