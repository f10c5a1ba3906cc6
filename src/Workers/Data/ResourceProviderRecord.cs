namespace Workers.Data;

/// <summary>
/// A row of <c>resource_providers</c>. <see cref="RootId"/> is the provider's own id for a root, so a tree is one
/// equality filter; it is null only between the insert of a root and the update that points it at itself.
/// </summary>
public sealed class ResourceProviderRecord
{
    public long Id { get; set; }
    public Guid Uuid { get; set; }
    public required string Name { get; set; }
    public long Generation { get; set; }
    /// <summary>Bumped by the database with every change to the provider's allocations, inventories, traits or
    /// aggregates (PostgreSQL triggers; <see cref="Migrations.M0007_ProviderChangeVersions"/>). Never written by code.</summary>
    public long ChangeVersion { get; set; }
    public long? ParentId { get; set; }
    public long? RootId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? UpdatedAt { get; set; }
}
