namespace Workers.Inbox;

public sealed class WorkerFaultOptions
{
    public const string Section = "Workers:Faults";

    /// <summary>A message type name (e.g. <c>CreateResourceProvider</c>); null in every real deployment.</summary>
    public string? KillAfterCommit { get; set; }
}
