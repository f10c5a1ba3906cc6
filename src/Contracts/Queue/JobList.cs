namespace Contracts.Queue;

/// <summary>A page of jobs; <paramref name="NextMarker"/> when more remain.</summary>
public sealed record JobList(IReadOnlyList<JobView> Jobs, string? NextMarker, QueueProblem? Problem);
