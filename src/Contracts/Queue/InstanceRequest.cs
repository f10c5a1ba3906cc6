namespace Contracts.Queue;

/// <summary>
/// One instance a job asks for, as the client wrote it in <c>data.instances</c>: VCPU, memory (MiB) and disk (GiB),
/// more resource classes, required (<c>T</c>) and forbidden (<c>!T</c>) traits, and an optional device profile.
/// </summary>
public sealed record InstanceRequest(
    int Vcpu, int MemoryMb, int DiskGb, IReadOnlyDictionary<string, int> Resources, IReadOnlyList<string> Traits, string? DeviceProfile);
