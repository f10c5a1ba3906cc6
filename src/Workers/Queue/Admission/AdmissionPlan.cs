namespace Workers.Queue.Admission;

/// <summary>The outcome of one admission pass.</summary>
/// <param name="Admitted">In admission order: each one's claims were visible to every job after it.</param>
/// <param name="Waiting">Every job not admitted, in the order the pass considered them.</param>
/// <param name="Cut">The plan stopped where a type's jobs were not all given: once these admissions are made, more
/// may fit, so plan again.</param>
public sealed record AdmissionPlan(IReadOnlyList<AdmittedJob> Admitted, IReadOnlyList<WaitingJob> Waiting, bool Cut = false);
