namespace Workers.Queue.Admission;

/// <summary>A job to admit now: <c>Instances[i]</c> is where <c>Job.Instances[i]</c> goes.</summary>
public sealed record AdmittedJob(QueuedJob Job, IReadOnlyList<Candidate> Instances);
