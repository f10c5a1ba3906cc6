namespace Workers.Queue.Admission;

/// <summary>A job that stays queued, with the reason shown to its owner.</summary>
public sealed record WaitingJob(QueuedJob Job, string Reason);
