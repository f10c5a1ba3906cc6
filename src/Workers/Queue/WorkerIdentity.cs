namespace Workers.Queue;

/// <summary>This worker process's name in <c>callback_deliveries.claimed_by</c>: host, process id and a random suffix.</summary>
public sealed class WorkerIdentity
{
    public string Name { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";
}
