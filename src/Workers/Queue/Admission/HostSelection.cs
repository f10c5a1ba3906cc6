namespace Workers.Queue.Admission;

/// <summary>Which fitting host an instance goes to (the order is defined on <see cref="CandidateSearch.Find"/>).</summary>
public enum HostSelection
{
    /// <summary>The least loaded fitting host.</summary>
    Spread,

    /// <summary>The most loaded fitting host.</summary>
    Pack,
}
