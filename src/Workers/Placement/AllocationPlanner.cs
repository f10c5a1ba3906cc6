using Contracts.Placement;

namespace Workers.Placement;

/// <summary>
/// Placement's allocation rules as plain code over a snapshot of the rows involved (no database, no bus): for each
/// command, in order, the consumer generations, the providers, the resource classes, then the inventories' limits and
/// capacity; an accepted command changes the snapshot, so the next command of a batch sees it; a refused one changes
/// nothing. The writer loads the snapshot under row locks and writes back what changed.
/// </summary>
public static class AllocationPlanner
{
    /// <summary>Placement's default ids for consumers written below 1.8, which carry no project or user.</summary>
    public const string IncompleteConsumer = "00000000-0000-0000-0000-000000000000";

    /// <summary>Where the command came from: Placement words an unknown resource class differently in each.</summary>
    public enum Wording { Put, Post, Reshaper }

    /// <summary>One allocation write: the consumers' new allocations (one consumer for PUT, several for POST).</summary>
    public sealed record Command(IReadOnlyList<ConsumerAllocations> Consumers, bool CheckGenerations, bool Typed, Wording Wording);

    public sealed record Inventory(int Total, int Reserved, int MinUnit, int MaxUnit, int StepSize, double AllocationRatio);

    /// <summary>What a consumer holds on one provider of one class.</summary>
    public sealed record Held(Guid ProviderUuid, int ClassId, string ClassName, int Used);

    public sealed class Provider(long id, Guid uuid, long generation, Dictionary<int, Inventory> inventories, Dictionary<int, long> used)
    {
        public long Id { get; } = id;
        public Guid Uuid { get; } = uuid;
        /// <summary>As read under the lock.</summary>
        public long Generation { get; } = generation;
        public Dictionary<int, Inventory> Inventories { get; } = inventories;
        public Dictionary<int, long> Used { get; } = used;
        /// <summary>How many times its generation moves when the batch is written.</summary>
        public int Bumps { get; set; }
    }

    public sealed class Consumer(Guid uuid)
    {
        public Guid Uuid { get; } = uuid;
        /// <summary>In the database when the snapshot was taken.</summary>
        public bool Stored { get; init; }
        /// <summary>Exists now (stored and not deleted since, or created in this batch).</summary>
        public bool Exists { get; set; }
        public long Generation { get; set; }
        public int ProjectId { get; set; }
        public int UserId { get; set; }
        public int? TypeId { get; set; }
        public List<Held> Allocations { get; set; } = [];
        /// <summary>Changed by an accepted command: to be written back.</summary>
        public bool Changed { get; set; }
        /// <summary>Its allocations were replaced: the stored rows go, <see cref="Allocations"/> are written.</summary>
        public bool AllocationsReplaced { get; set; }
    }

    public sealed class Snapshot
    {
        public Dictionary<Guid, Consumer> Consumers { get; } = [];
        /// <summary>Providers by the uuid string a client may write: only the canonical form names one.</summary>
        public Dictionary<string, Provider> Providers { get; } = [];
        public Dictionary<string, int> ClassIds { get; } = [];
        public Dictionary<string, int> Projects { get; } = [];
        public Dictionary<string, int> Users { get; } = [];
        public Dictionary<string, int> ConsumerTypes { get; } = [];

        public Provider ProviderOf(Guid uuid) => Providers[uuid.ToString()];
    }

    /// <summary>An allocation line: zero amounts stand for what an emptied consumer held (its providers' generations move).</summary>
    public sealed record Line(Consumer Consumer, Provider Provider, string ResourceClass, long Amount);

    public static string ProjectOf(ConsumerAllocations request) => request.ProjectId ?? IncompleteConsumer;

    public static string UserOf(ConsumerAllocations request) => request.ProjectId is null ? IncompleteConsumer : request.UserId ?? IncompleteConsumer;

    /// <summary>Placement's first checks: consumer generations, then every provider named exists.</summary>
    public static (List<Line> Lines, PlacementProblem? Problem) Check(Command command, Snapshot snapshot)
    {
        foreach (var request in command.Consumers)
        {
            var consumer = snapshot.Consumers[request.ConsumerUuid];
            if (!command.CheckGenerations)
                continue;
            if (consumer.Exists && consumer.Generation != request.ConsumerGeneration)
                return ([], Conflict($"consumer generation conflict - expected {consumer.Generation} but got {request.ConsumerGeneration?.ToString() ?? "None"}"));
            if (!consumer.Exists && request.ConsumerGeneration is { } given)
                return ([], Conflict($"consumer generation conflict - expected null but got {given}"));
        }

        var lines = new List<Line>();
        foreach (var request in command.Consumers)
        {
            var consumer = snapshot.Consumers[request.ConsumerUuid];
            if (request.Allocations.Count == 0)
            {
                if (consumer.Exists)
                    lines.AddRange(consumer.Allocations.Select(h => new Line(consumer, snapshot.ProviderOf(h.ProviderUuid), h.ClassName, 0)));
                continue;
            }
            foreach (var allocation in request.Allocations)
            {
                if (!snapshot.Providers.TryGetValue(allocation.ProviderUuid, out var provider))
                    return ([], new PlacementProblem(400, PlacementProblem.UndefinedCode,
                        $"Allocation for resource provider '{allocation.ProviderUuid}' that does not exist."));
                lines.AddRange(allocation.Resources.Select(r => new Line(consumer, provider, r.ResourceClass, r.Amount)));
            }
        }
        return (lines, null);
    }

    /// <summary>
    /// Placement's replace_all over the snapshot: the consumers' allocations replaced by <paramref name="lines"/>,
    /// checked against inventory limits and capacity (what they held does not count against what replaces it).
    /// </summary>
    /// <returns>The problem (the snapshot unchanged), or null and the providers where allocations shrank or went.</returns>
    public static (PlacementProblem? Problem, List<Guid> Freed) Allocate(Command command, List<Line> lines, Snapshot snapshot)
    {
        var consumers = command.Consumers.Select(r => snapshot.Consumers[r.ConsumerUuid]).ToList();
        if (lines.Select(l => l.ResourceClass).FirstOrDefault(name => !snapshot.ClassIds.ContainsKey(name)) is { } unknown)
            return (UnknownClass(command, unknown), []);

        // What the consumers hold now stops counting; what they ask for is added, line by line, as Placement checks.
        var released = consumers.Where(c => c.Exists).SelectMany(c => c.Allocations)
            .GroupBy(h => (h.ProviderUuid, h.ClassId)).ToDictionary(g => g.Key, g => g.Sum(h => (long)h.Used));
        long Used(Provider provider, int classId) =>
            provider.Used.GetValueOrDefault(classId) - released.GetValueOrDefault((provider.Uuid, classId));

        var classIds = lines.Select(l => l.ResourceClass).Distinct().ToDictionary(n => n, n => snapshot.ClassIds[n]);
        var providers = lines.Select(l => l.Provider).Distinct().ToList();
        if (providers.FirstOrDefault(p => !classIds.Values.Any(p.Inventories.ContainsKey)) is { } bare)
            return (Invalid($"Inventory for '{string.Join(", ", classIds.OrderBy(c => c.Value).Select(c => c.Key))}' on resource provider '{bare.Uuid}' invalid."), []);

        var requested = new Dictionary<(Guid, int), long>();
        foreach (var line in lines)
        {
            var classId = classIds[line.ResourceClass];
            var key = (line.Provider.Uuid, classId);
            requested[key] = requested.GetValueOrDefault(key) + line.Amount;
            if (line.Amount == 0)
                continue;
            if (!line.Provider.Inventories.TryGetValue(classId, out var inventory))
                return (Invalid($"Inventory for '{line.ResourceClass}' on resource provider '{line.Provider.Uuid}' invalid."), []);
            if (line.Amount < inventory.MinUnit || line.Amount > inventory.MaxUnit || line.Amount % inventory.StepSize != 0)
                return (Invalid($"Unable to create allocation for '{line.ResourceClass}' on resource provider '{line.Provider.Uuid}'. The requested amount would violate inventory constraints."), []);
            var capacity = (inventory.Total - inventory.Reserved) * inventory.AllocationRatio;
            var used = Used(line.Provider, classId);
            if (capacity < used + line.Amount || capacity < used + requested[key])
                return (Invalid($"Unable to create allocation for '{line.ResourceClass}' on resource provider '{line.Provider.Uuid}'. The requested amount would exceed the capacity."), []);
        }

        // Accepted: the snapshot moves.
        foreach (var ((providerUuid, classId), amount) in released)
            snapshot.ProviderOf(providerUuid).Used[classId] -= amount;
        foreach (var line in lines.Where(l => l.Amount > 0))
        {
            var classId = classIds[line.ResourceClass];
            line.Provider.Used[classId] = line.Provider.Used.GetValueOrDefault(classId) + line.Amount;
        }
        foreach (var provider in providers)
            provider.Bumps++;

        var written = lines.Select(l => l.Consumer).ToHashSet();
        foreach (var (request, consumer) in command.Consumers.Zip(consumers))
        {
            consumer.ProjectId = snapshot.Projects[ProjectOf(request)];
            consumer.UserId = snapshot.Users[UserOf(request)];
            if (command.Typed)
                consumer.TypeId = snapshot.ConsumerTypes[request.ConsumerType!];
            consumer.Changed = true;
            if (!consumer.Exists)
            {
                // Placement creates the consumer before it writes anything; with nothing to write it stays, generation 0.
                consumer.Exists = true;
                consumer.Generation = 0;
                consumer.Allocations = [];
            }
            if (!written.Contains(consumer))
                continue;
            consumer.Generation++;
            consumer.AllocationsReplaced = true;
            consumer.Allocations = lines.Where(l => l.Consumer == consumer && l.Amount > 0)
                .Select(l => new Held(l.Provider.Uuid, classIds[l.ResourceClass], l.ResourceClass, (int)l.Amount)).ToList();
            // A consumer left with nothing is deleted, as Placement deletes it (its next write starts from null).
            if (consumer.Allocations.Count == 0)
                consumer.Exists = false;
        }

        var after = lines.Where(l => l.Amount > 0).GroupBy(l => (l.Provider.Uuid, classIds[l.ResourceClass])).ToDictionary(g => g.Key, g => g.Sum(l => l.Amount));
        var freed = released.Where(r => r.Value > after.GetValueOrDefault(r.Key)).Select(r => r.Key.ProviderUuid).Distinct().ToList();
        return (null, freed);
    }

    static PlacementProblem UnknownClass(Command command, string name) => new(400, PlacementProblem.UndefinedCode, command.Wording switch
    {
        Wording.Put => $"Unable to allocate inventory for consumer {command.Consumers[0].ConsumerUuid}: No such resource class {name}.",
        Wording.Post => $"Unable to allocate inventory No such resource class {name}.",
        _ => $"malformed reshaper data: No such resource class {name}.",
    });

    static PlacementProblem Invalid(string detail) => new(409, PlacementProblem.UndefinedCode, $"Unable to allocate inventory: {detail}");

    static PlacementProblem Conflict(string detail) => new(409, PlacementProblem.ConcurrentUpdate, detail);
}
