namespace Contracts.Queue;

/// <summary>
/// Published after a commit that may let a queued job be admitted: a job queued, reprioritised or deleted. A nudge
/// for admission, like <see cref="Contracts.Placement.CapacityFreed"/>; the periodic sweep covers a lost one.
/// </summary>
public sealed record QueueChanged(string Type, string Reason);
