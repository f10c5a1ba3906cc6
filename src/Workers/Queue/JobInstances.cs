using System.Text.Json;
using Contracts.Queue;
using Workers.Data;

namespace Workers.Queue;

/// <summary>An instance row's request and claim, between its JSON columns and the contracts.</summary>
public static class JobInstances
{
    public static JobInstanceRecord Record(long jobId, int index, InstanceRequest request) => new()
    {
        JobId = jobId,
        Index = index,
        ServerUuid = Guid.NewGuid(),
        Vcpu = request.Vcpu,
        MemoryMb = request.MemoryMb,
        DiskGb = request.DiskGb,
        Resources = JsonSerializer.Serialize(request.Resources),
        Traits = JsonSerializer.Serialize(request.Traits),
        DeviceProfile = request.DeviceProfile,
    };

    public static IReadOnlyList<string> Traits(JobInstanceRecord instance) =>
        JsonSerializer.Deserialize<List<string>>(instance.Traits) ?? [];

    /// <summary>
    /// What the instance claims, by Placement resource class. A zero amount (<c>Disk: 0</c>) is left out: Placement
    /// refuses zero allocations.
    /// </summary>
    public static Dictionary<string, int> Claim(JobInstanceRecord instance)
    {
        var claim = new Dictionary<string, int>();
        Add(claim, "VCPU", instance.Vcpu);
        Add(claim, "MEMORY_MB", instance.MemoryMb);
        Add(claim, "DISK_GB", instance.DiskGb);
        foreach (var (name, amount) in JsonSerializer.Deserialize<Dictionary<string, int>>(instance.Resources) ?? [])
            Add(claim, name, amount);
        return claim;
    }

    public static InstanceView View(JobInstanceRecord instance) => instance.Host is null
        ? new(instance.ServerUuid, null, null, null)
        : new(instance.ServerUuid, instance.Host, instance.ProviderUuid, Claim(instance));

    static void Add(Dictionary<string, int> claim, string name, int amount)
    {
        if (amount > 0)
            claim[name] = claim.GetValueOrDefault(name) + amount;
    }
}
