namespace Workers.Data;

// The rest of Placement's data model, beside resource_providers. Names follow Placement's tables.

/// <summary>A resource class: standard ones have their index in os-resource-classes as id, custom ones 10000 and up.</summary>
public sealed class ResourceClassRecord
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? UpdatedAt { get; set; }
}

public sealed class TraitRecord
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? UpdatedAt { get; set; }
}

/// <summary>An aggregate, known by the uuid string clients gave it (Placement stores it as written).</summary>
public sealed class AggregateRecord
{
    public int Id { get; set; }
    public required string Uuid { get; set; }
    public DateTime CreatedAt { get; set; }
}

public sealed class ProviderTraitRecord
{
    public long ResourceProviderId { get; set; }
    public int TraitId { get; set; }
}

public sealed class ProviderAggregateRecord
{
    public long ResourceProviderId { get; set; }
    public int AggregateId { get; set; }
}

public sealed class InventoryRecord
{
    public long Id { get; set; }
    public long ResourceProviderId { get; set; }
    public int ResourceClassId { get; set; }
    public int Total { get; set; }
    public int Reserved { get; set; }
    public int MinUnit { get; set; }
    public int MaxUnit { get; set; }
    public int StepSize { get; set; }
    public double AllocationRatio { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? UpdatedAt { get; set; }

    /// <summary>What may be allocated: (total - reserved) * allocation_ratio, truncated as Placement does.</summary>
    public long Capacity => (long)((Total - Reserved) * AllocationRatio);
}

/// <summary>A project or a user: OpenStack's external id, kept once.</summary>
public sealed class ProjectRecord
{
    public int Id { get; set; }
    public required string ExternalId { get; set; }
}

public sealed class UserRecord
{
    public int Id { get; set; }
    public required string ExternalId { get; set; }
}

public sealed class ConsumerTypeRecord
{
    public int Id { get; set; }
    public required string Name { get; set; }
}

/// <summary>Who holds allocations (an instance, a migration...), with its own generation from 1.28.</summary>
public sealed class ConsumerRecord
{
    public long Id { get; set; }
    public Guid Uuid { get; set; }
    public int ProjectId { get; set; }
    public int UserId { get; set; }
    public long Generation { get; set; }
    public int? ConsumerTypeId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? UpdatedAt { get; set; }
}

public sealed class AllocationRecord
{
    public long Id { get; set; }
    public long ResourceProviderId { get; set; }
    /// <summary>The consumer's uuid, as in Placement: rows of a new consumer can be written in the same batch as it.</summary>
    public Guid ConsumerUuid { get; set; }
    public int ResourceClassId { get; set; }
    public int Used { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? UpdatedAt { get; set; }
}
