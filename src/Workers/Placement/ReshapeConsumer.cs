using System.Diagnostics;
using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;
using static Workers.Data.PostgresBatches;

namespace Workers.Placement;

/// <summary>
/// POST /reshaper, in one transaction: each provider's inventories widened to old and new classes, the consumers'
/// allocations replaced (checked against the widened inventories), then each provider's inventories cut to exactly
/// the new ones (refused while an allocation still stands on a removed class). The widening is only ever seen inside
/// this transaction, so it happens in the snapshot; the database gets the final state. Generations move as
/// Placement moves them: once for the widening (when there are new inventories), once for the allocations, once for
/// the final set.
/// </summary>
public sealed class ReshapeConsumer(ServiceDb db, AllocationWriter writer, Inbox.Inbox inbox, TimeProvider clock, ILogger<ReshapeConsumer> logger)
    : IConsumer<Reshape>
{
    public async Task Consume(ConsumeContext<Reshape> context)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await inbox.Apply(context, ct => Apply(context.Message, ct), r => r.Problem is not null);
        var committed = Stopwatch.GetTimestamp();
        await context.RespondAsync(result);
        if (logger.IsEnabled(LogLevel.Debug))
            logger.LogDebug("Reshape of {Consumers} consumers: sent {SentAgoMs:0.0} ms before its consumer started; applied and committed in {CommitMs:0.0}, " +
                "answered in {RespondMs:0.0} ms", context.Message.Allocations.Count,
                context.SentTime is { } sent ? (DateTime.UtcNow - sent).TotalMilliseconds - Stopwatch.GetElapsedTime(started).TotalMilliseconds : double.NaN,
                Stopwatch.GetElapsedTime(started, committed).TotalMilliseconds, Stopwatch.GetElapsedTime(committed).TotalMilliseconds);
        if (result.Problem is null)
            await context.Publish(new CapacityFreed(context.Message.Inventories.Select(i => Guid.Parse(i.ProviderUuid)).ToList(), "reshaped"));
    }

    async Task<AllocationsResult> Apply(Reshape command, CancellationToken ct)
    {
        AllocationsResult Fail(int status, string code, string detail) => new(new PlacementProblem(status, code, detail));
        var allocations = new AllocationPlanner.Command(command.Allocations, CheckGenerations: true, command.TypedConsumers,
            AllocationPlanner.Wording.Reshaper);
        var named = command.Inventories.Select(i => i.ProviderUuid)
            .Where(s => Guid.TryParseExact(s, "D", out var g) && g.ToString() == s).Select(Guid.Parse).ToList();
        // Consumers and every provider involved are locked (providers in id order) before anything is read.
        var snapshot = await writer.Load([allocations], named, ct, command.Inventories.SelectMany(i => i.Inventories).Select(i => i.ResourceClass));

        var targets = new List<(AllocationPlanner.Provider Provider, Reshape.ProviderInventories Wanted)>();
        foreach (var wanted in command.Inventories)
        {
            if (!snapshot.Providers.TryGetValue(wanted.ProviderUuid, out var provider))
                return Fail(400, "placement.resource_provider.not_found",
                    $"Resource provider {wanted.ProviderUuid} in inventories not found: No resource provider with uuid {wanted.ProviderUuid} found");
            if (provider.Generation != wanted.Generation)
                return Fail(409, PlacementProblem.ConcurrentUpdate,
                    $"resource provider generation conflict for provider {wanted.ProviderUuid}: actual: {provider.Generation}, given: {wanted.Generation}");
            targets.Add((provider, wanted));
        }
        var (lines, refused) = AllocationPlanner.Check(allocations, snapshot);
        if (refused is not null)
            return new(refused);
        if (command.Inventories.SelectMany(i => i.Inventories).FirstOrDefault(i => !snapshot.ClassIds.ContainsKey(i.ResourceClass)) is { } unknown)
            return Fail(400, PlacementProblem.UndefinedCode, $"malformed reshaper data: No such resource class {unknown.ResourceClass}.");

        // The widening: old and new classes together, so allocations can move before the old classes go.
        foreach (var (provider, wanted) in targets.Where(t => t.Wanted.Inventories.Count > 0))
        {
            foreach (var inventory in wanted.Inventories)
                provider.Inventories[snapshot.ClassIds[inventory.ResourceClass]] = Plan(inventory);
            provider.Bumps++;
        }
        var (problem, _) = AllocationPlanner.Allocate(allocations, lines, snapshot);
        if (problem is not null)
            return new(problem);

        // The final set: exactly the new inventories, none removed from under an allocation.
        foreach (var (provider, wanted) in targets)
        {
            var kept = wanted.Inventories.Select(i => snapshot.ClassIds[i.ResourceClass]).ToHashSet();
            var inUse = provider.Inventories.Keys.Where(c => !kept.Contains(c) && provider.Used.GetValueOrDefault(c) > 0).ToList();
            if (inUse.Count > 0)
            {
                var names = await db.ResourceClasses.Where(c => inUse.Contains(c.Id)).OrderBy(c => c.Id).Select(c => c.Name).ToListAsync(ct);
                return Fail(409, PlacementProblem.InventoryInUse,
                    $"update conflict: Inventory for '{string.Join(", ", names)}' on resource provider '{wanted.ProviderUuid}' in use.");
            }
            provider.Bumps++;
        }

        await writer.Write(snapshot, ct);
        await WriteInventories(snapshot, targets, ct);
        return new(null);
    }

    /// <summary>Each target's inventory rows made exactly its new inventories (written with the caller's commit).</summary>
    async Task WriteInventories(AllocationPlanner.Snapshot snapshot, List<(AllocationPlanner.Provider Provider, Reshape.ProviderInventories Wanted)> targets, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var ids = targets.Select(t => t.Provider.Id).ToList();
        if (db.Database.IsNpgsql())
        {
            QueueInventoryWrites(db, ids, targets.SelectMany(t => t.Wanted.Inventories
                .Select(i => (t.Provider.Id, snapshot.ClassIds[i.ResourceClass], i))).ToList(), now);
            return;
        }
        var rows = await db.Inventories.Where(i => ids.Contains(i.ResourceProviderId)).ToListAsync(ct);
        foreach (var (provider, wanted) in targets)
        {
            var mine = rows.Where(r => r.ResourceProviderId == provider.Id).ToDictionary(r => r.ResourceClassId);
            var kept = wanted.Inventories.ToDictionary(i => snapshot.ClassIds[i.ResourceClass]);
            db.Inventories.RemoveRange(mine.Values.Where(r => !kept.ContainsKey(r.ResourceClassId)));
            foreach (var (classId, inventory) in kept)
            {
                if (!mine.TryGetValue(classId, out var row))
                    db.Inventories.Add(row = new InventoryRecord { ResourceProviderId = provider.Id, ResourceClassId = classId, CreatedAt = now });
                else
                    row.UpdatedAt = now;
                ProviderInventories.CopyValues(inventory, row);
            }
        }
    }

    /// <summary>
    /// The same on PostgreSQL, queued to go with the commit: the targets' other rows deleted, the wanted ones inserted
    /// or updated in place (so a kept class keeps its row), without reading the rows first.
    /// </summary>
    static void QueueInventoryWrites(ServiceDb db, List<long> providers, List<(long Provider, int ClassId, Inventory Inventory)> wanted,
        DateTime now)
    {
        db.WriteWithCommit(Statement("""
            DELETE FROM inventories i WHERE i.resource_provider_id = ANY($1)
            AND NOT EXISTS (SELECT FROM unnest($2::bigint[], $3::integer[]) AS k(p, c) WHERE k.p = i.resource_provider_id AND k.c = i.resource_class_id)
            """, Values(providers), Values(wanted.Select(w => w.Provider)), Values(wanted.Select(w => w.ClassId))));
        if (wanted.Count == 0)
            return;
        db.WriteWithCommit(Statement("""
            INSERT INTO inventories (resource_provider_id, resource_class_id, total, reserved, min_unit, max_unit, step_size, allocation_ratio, created_at)
            SELECT p, c, t, r, mi, ma, s, a, $9
            FROM unnest($1::bigint[], $2::integer[], $3::integer[], $4::integer[], $5::integer[], $6::integer[], $7::integer[], $8::double precision[])
                AS v(p, c, t, r, mi, ma, s, a)
            ON CONFLICT (resource_provider_id, resource_class_id) DO UPDATE SET total = excluded.total, reserved = excluded.reserved,
                min_unit = excluded.min_unit, max_unit = excluded.max_unit, step_size = excluded.step_size,
                allocation_ratio = excluded.allocation_ratio, updated_at = $9
            """,
            Values(wanted.Select(w => w.Provider)), Values(wanted.Select(w => w.ClassId)), Values(wanted.Select(w => w.Inventory.Total)),
            Values(wanted.Select(w => w.Inventory.Reserved)), Values(wanted.Select(w => w.Inventory.MinUnit)),
            Values(wanted.Select(w => w.Inventory.MaxUnit)), Values(wanted.Select(w => w.Inventory.StepSize)),
            Values(wanted.Select(w => w.Inventory.AllocationRatio)), Instant(now)));
    }

    static AllocationPlanner.Inventory Plan(Inventory i) => new(i.Total, i.Reserved, i.MinUnit, i.MaxUnit, i.StepSize, i.AllocationRatio);
}
