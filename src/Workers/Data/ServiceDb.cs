using Microsoft.EntityFrameworkCore;

namespace Workers.Data;

/// <summary>
/// The service's database. The model stays provider-neutral (no provider-specific types or SQL) so that SQLite,
/// PostgreSQL and any other relational provider run the same code; instants are UTC <see cref="DateTime"/>.
/// </summary>
public sealed class ServiceDb(DbContextOptions<ServiceDb> options) : DbContext(options)
{
    public DbSet<ResourceProviderRecord> ResourceProviders => Set<ResourceProviderRecord>();
    public DbSet<InboxRecord> Inbox => Set<InboxRecord>();

    protected override void ConfigureConventions(ModelConfigurationBuilder conventions)
    {
        conventions.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        conventions.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<ResourceProviderRecord>(rp =>
        {
            rp.ToTable("resource_providers");
            rp.HasKey(x => x.Id);
            rp.Property(x => x.Id).HasColumnName("id");
            rp.Property(x => x.Uuid).HasColumnName("uuid");
            rp.Property(x => x.Name).HasColumnName("name").HasMaxLength(200);
            rp.Property(x => x.Generation).HasColumnName("generation");
            rp.Property(x => x.ParentId).HasColumnName("parent_provider_id");
            rp.Property(x => x.RootId).HasColumnName("root_provider_id");
            rp.Property(x => x.CreatedAt).HasColumnName("created_at");
            rp.Property(x => x.UpdatedAt).HasColumnName("updated_at");
            rp.HasIndex(x => x.Uuid).IsUnique().HasDatabaseName("uniq_resource_providers0uuid");
            rp.HasIndex(x => x.Name).IsUnique().HasDatabaseName("uniq_resource_providers0name");
            rp.HasIndex(x => x.RootId).HasDatabaseName("ix_resource_providers_root_provider_id");
            rp.HasIndex(x => x.ParentId).HasDatabaseName("ix_resource_providers_parent_provider_id");
            // A parent cannot be deleted while it has children: the database refuses, not only our check.
            rp.HasOne<ResourceProviderRecord>().WithMany().HasForeignKey(x => x.ParentId)
                .OnDelete(DeleteBehavior.Restrict).HasConstraintName("fk_resource_providers_parent");
        });

        model.Entity<InboxRecord>(inbox =>
        {
            inbox.ToTable("inbox");
            inbox.HasKey(x => x.MessageId);
            inbox.Property(x => x.MessageId).HasColumnName("message_id");
            inbox.Property(x => x.MessageType).HasColumnName("message_type").HasMaxLength(200);
            inbox.Property(x => x.ResponseType).HasColumnName("response_type").HasMaxLength(200);
            inbox.Property(x => x.ResponseJson).HasColumnName("response_json");
            inbox.Property(x => x.ReceivedAt).HasColumnName("received_at");
            inbox.HasIndex(x => x.ReceivedAt).HasDatabaseName("ix_inbox_received_at");
        });
    }
}
