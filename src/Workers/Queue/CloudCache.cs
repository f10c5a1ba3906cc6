using System.Collections.Frozen;
using Workers.Placement;
using Workers.Queue.Admission;

namespace Workers.Queue;

/// <summary>
/// The cloud as this worker's admission passes last read it on PostgreSQL: each provider with the change version it
/// was read at (<c>resource_providers.change_version</c>, which the database bumps with every change to the provider's
/// allocations, inventories, traits or aggregates). A pass reads every provider's row and version, and the inventories,
/// usage sums, traits and aggregates of only the providers whose version moved since this cache read them: at a
/// thousand providers those reads were most of a pass's time, and a pass changes a few providers.
/// <para>
/// A read is made against a <see cref="Basis"/> (what the cache held when the read began), and applied against the
/// same basis. The provider rows are read before the details, so a provider seen changed there is seen changed by the
/// details' statement too (versions only grow): its details come back complete, and replace the cached ones. Details of
/// a provider that changed only after its row was read are ignored; its version moved, so the next pass reads it.
/// </para>
/// </summary>
public sealed class CloudCache
{
    /// <summary>A provider's own row, read by every pass.</summary>
    public sealed record ProviderRow(long Id, Guid Uuid, string Name, long? ParentId, long Version);

    /// <summary>What a pass read: every provider row, the resource classes, and the details of the providers it
    /// found changed against its basis (rows of other providers may be there too, and are ignored).</summary>
    public sealed record Read(
        IReadOnlyList<ProviderRow> Providers,
        IReadOnlyDictionary<int, string> Classes,
        IReadOnlyList<(long Provider, int Class, AllocationPlanner.Inventory Inventory)> Inventories,
        IReadOnlyList<(long Provider, int Class, long Used)> Used,
        IReadOnlyList<(long Provider, string Trait)> Traits,
        IReadOnlyList<(long Provider, Guid Aggregate)> Aggregates);

    /// <summary>What the cache held when a read began: the providers (by id) and versions the read may skip.</summary>
    public sealed class Basis
    {
        internal Basis(IReadOnlyDictionary<long, Entry> providers, IReadOnlyDictionary<int, string> classes)
        {
            (Providers, Classes) = (providers, classes);
            Ids = providers.Keys.ToArray();
            Versions = Ids.Select(id => providers[id].Row.Version).ToArray();
        }

        internal IReadOnlyDictionary<long, Entry> Providers { get; }
        internal IReadOnlyDictionary<int, string> Classes { get; }
        public long[] Ids { get; }
        public long[] Versions { get; }
    }

    internal sealed record Entry(ProviderRow Row, Details Details, ProviderSnapshot Snapshot);

    /// <summary>A provider's details by resource class id, as read; the snapshot names classes.</summary>
    internal sealed record Details(
        IReadOnlyDictionary<int, AllocationPlanner.Inventory> Inventories,
        IReadOnlyDictionary<int, long> Used,
        FrozenSet<string> Traits,
        FrozenSet<Guid> Aggregates);

    static readonly Basis Nothing = new(new Dictionary<long, Entry>(), new Dictionary<int, string>());

    Basis current = Nothing;

    /// <summary>What the next read may skip; <paramref name="fresh"/> for a basis of nothing (a read of everything).</summary>
    public Basis Take(bool fresh) => fresh ? Nothing : Volatile.Read(ref current);

    /// <summary>Forgets everything: the next read reads the whole cloud.</summary>
    public void Clear() => Volatile.Write(ref current, Nothing);

    /// <summary>Merges a read made against <paramref name="basis"/> and answers the cloud it gives.</summary>
    public CloudState Apply(Basis basis, Read read)
    {
        var changed = read.Providers
            .Where(p => !basis.Providers.TryGetValue(p.Id, out var known) || known.Row.Version != p.Version)
            .Select(p => p.Id).ToHashSet();
        var inventories = read.Inventories.Where(i => changed.Contains(i.Provider)).ToLookup(i => i.Provider);
        var used = read.Used.Where(u => changed.Contains(u.Provider)).ToLookup(u => u.Provider);
        var traits = read.Traits.Where(t => changed.Contains(t.Provider)).ToLookup(t => t.Provider, t => t.Trait);
        var aggregates = read.Aggregates.Where(a => changed.Contains(a.Provider)).ToLookup(a => a.Provider, a => a.Aggregate);
        var sameClasses = basis.Classes.Count == read.Classes.Count
            && read.Classes.All(c => basis.Classes.TryGetValue(c.Key, out var name) && name == c.Value);
        var uuids = read.Providers.ToDictionary(p => p.Id, p => p.Uuid);

        var entries = new Dictionary<long, Entry>(read.Providers.Count);
        foreach (var row in read.Providers)
        {
            if (!changed.Contains(row.Id))
            {
                var known = basis.Providers[row.Id];
                // Its details are as cached; its name or parent (not versioned) and the class names may have moved.
                entries[row.Id] = sameClasses && known.Row == row ? known : Build(row, known.Details, read.Classes, uuids);
                continue;
            }
            var details = new Details(
                inventories[row.Id].ToDictionary(i => i.Class, i => i.Inventory),
                used[row.Id].ToDictionary(u => u.Class, u => u.Used),
                traits[row.Id].ToFrozenSet(StringComparer.Ordinal),
                aggregates[row.Id].ToFrozenSet());
            entries[row.Id] = Build(row, details, read.Classes, uuids);
        }
        Volatile.Write(ref current, new Basis(entries, read.Classes));
        return new CloudState(read.Providers.Select(p => entries[p.Id].Snapshot).ToList());
    }

    static Entry Build(ProviderRow row, Details details, IReadOnlyDictionary<int, string> classes, Dictionary<long, Guid> uuids) =>
        new(row, details, new ProviderSnapshot(row.Uuid, row.Name,
            details.Inventories.ToDictionary(i => classes[i.Key], i => i.Value, StringComparer.Ordinal),
            details.Used.ToDictionary(u => classes[u.Key], u => u.Value, StringComparer.Ordinal))
        {
            ParentUuid = row.ParentId is { } parent ? uuids.GetValueOrDefault(parent) : null,
            Traits = details.Traits,
            Aggregates = details.Aggregates,
        });
}
