namespace Contracts.Queue;

/// <summary>A type and how many of its jobs are in each status (deleted ones included).</summary>
public sealed record QueueTypeCounts(string Type, IReadOnlyDictionary<string, int> Jobs);
