using Microsoft.EntityFrameworkCore;

namespace Workers.Data;

/// <summary>
/// The service's database. The model stays provider-neutral (no provider-specific types or SQL) so that SQLite,
/// PostgreSQL and any other relational provider run the same code; instants are UTC <see cref="DateTime"/>.
/// </summary>
public sealed class ServiceDb : DbContext
{
    /// <remarks>
    /// EF's automatic savepoints are off: a SaveChanges that fails here always ends its transaction (every caller rolls
    /// back and starts over), so a savepoint around each SaveChanges, a round trip of its own on PostgreSQL, buys
    /// nothing.
    /// </remarks>
    public ServiceDb(DbContextOptions<ServiceDb> options) : base(options) => Database.AutoSavepointsEnabled = false;

    /// <summary>PostgreSQL writes queued to go with the transaction's commit (<see cref="PostgresBatches.Commit"/>).</summary>
    internal List<Npgsql.NpgsqlBatchCommand> StatementsForCommit { get; } = [];

    /// <summary>Forgets what EF tracks and the writes queued for the commit: a fresh start for a new attempt.</summary>
    public void Reset()
    {
        ChangeTracker.Clear();
        StatementsForCommit.Clear();
    }

    public DbSet<ResourceProviderRecord> ResourceProviders => Set<ResourceProviderRecord>();
    public DbSet<InboxRecord> Inbox => Set<InboxRecord>();
    public DbSet<ResourceClassRecord> ResourceClasses => Set<ResourceClassRecord>();
    public DbSet<TraitRecord> Traits => Set<TraitRecord>();
    public DbSet<AggregateRecord> Aggregates => Set<AggregateRecord>();
    public DbSet<ProviderTraitRecord> ProviderTraits => Set<ProviderTraitRecord>();
    public DbSet<ProviderAggregateRecord> ProviderAggregates => Set<ProviderAggregateRecord>();
    public DbSet<InventoryRecord> Inventories => Set<InventoryRecord>();
    public DbSet<ProjectRecord> Projects => Set<ProjectRecord>();
    public DbSet<UserRecord> Users => Set<UserRecord>();
    public DbSet<ConsumerTypeRecord> ConsumerTypes => Set<ConsumerTypeRecord>();
    public DbSet<ConsumerRecord> Consumers => Set<ConsumerRecord>();
    public DbSet<AllocationRecord> Allocations => Set<AllocationRecord>();
    public DbSet<JobRecord> Jobs => Set<JobRecord>();
    public DbSet<JobInstanceRecord> JobInstances => Set<JobInstanceRecord>();
    public DbSet<CallbackDeliveryRecord> CallbackDeliveries => Set<CallbackDeliveryRecord>();
    public DbSet<RetiredRequestIdRecord> RetiredRequestIds => Set<RetiredRequestIdRecord>();

    /// <summary>The filter of the active-callback index: plain SQL that SQLite and PostgreSQL read alike.</summary>
    public const string ActiveJobs = "status IN ('queued', 'running')";
    public const string QueuedJobs = "status = 'queued'";

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
            rp.Property(x => x.ChangeVersion).HasColumnName("change_version");
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

        model.Entity<ResourceClassRecord>(rc =>
        {
            rc.ToTable("resource_classes");
            rc.HasKey(x => x.Id);
            rc.Property(x => x.Id).HasColumnName("id").ValueGeneratedNever();
            rc.Property(x => x.Name).HasColumnName("name").HasMaxLength(255);
            rc.Property(x => x.CreatedAt).HasColumnName("created_at");
            rc.Property(x => x.UpdatedAt).HasColumnName("updated_at");
            rc.HasIndex(x => x.Name).IsUnique().HasDatabaseName("uniq_resource_classes0name");
        });

        model.Entity<TraitRecord>(trait =>
        {
            trait.ToTable("traits");
            trait.HasKey(x => x.Id);
            trait.Property(x => x.Id).HasColumnName("id");
            trait.Property(x => x.Name).HasColumnName("name").HasMaxLength(255);
            trait.Property(x => x.CreatedAt).HasColumnName("created_at");
            trait.Property(x => x.UpdatedAt).HasColumnName("updated_at");
            trait.HasIndex(x => x.Name).IsUnique().HasDatabaseName("uniq_traits0name");
        });

        model.Entity<AggregateRecord>(agg =>
        {
            agg.ToTable("placement_aggregates");
            agg.HasKey(x => x.Id);
            agg.Property(x => x.Id).HasColumnName("id");
            agg.Property(x => x.Uuid).HasColumnName("uuid").HasMaxLength(36);
            agg.Property(x => x.CreatedAt).HasColumnName("created_at");
            agg.HasIndex(x => x.Uuid).IsUnique().HasDatabaseName("uniq_placement_aggregates0uuid");
        });

        model.Entity<ProviderTraitRecord>(link =>
        {
            link.ToTable("resource_provider_traits");
            link.HasKey(x => new { x.TraitId, x.ResourceProviderId });
            link.Property(x => x.TraitId).HasColumnName("trait_id");
            link.Property(x => x.ResourceProviderId).HasColumnName("resource_provider_id");
            link.HasIndex(x => x.ResourceProviderId).HasDatabaseName("ix_resource_provider_traits_resource_provider_id");
            link.HasOne<ResourceProviderRecord>().WithMany().HasForeignKey(x => x.ResourceProviderId)
                .OnDelete(DeleteBehavior.Cascade).HasConstraintName("fk_resource_provider_traits_provider");
            link.HasOne<TraitRecord>().WithMany().HasForeignKey(x => x.TraitId)
                .OnDelete(DeleteBehavior.Restrict).HasConstraintName("fk_resource_provider_traits_trait");
        });

        model.Entity<ProviderAggregateRecord>(link =>
        {
            link.ToTable("resource_provider_aggregates");
            link.HasKey(x => new { x.ResourceProviderId, x.AggregateId });
            link.Property(x => x.ResourceProviderId).HasColumnName("resource_provider_id");
            link.Property(x => x.AggregateId).HasColumnName("aggregate_id");
            link.HasIndex(x => x.AggregateId).HasDatabaseName("ix_resource_provider_aggregates_aggregate_id");
            link.HasOne<ResourceProviderRecord>().WithMany().HasForeignKey(x => x.ResourceProviderId)
                .OnDelete(DeleteBehavior.Cascade).HasConstraintName("fk_resource_provider_aggregates_provider");
            link.HasOne<AggregateRecord>().WithMany().HasForeignKey(x => x.AggregateId)
                .OnDelete(DeleteBehavior.Restrict).HasConstraintName("fk_resource_provider_aggregates_aggregate");
        });

        model.Entity<InventoryRecord>(inv =>
        {
            inv.ToTable("inventories");
            inv.HasKey(x => x.Id);
            inv.Property(x => x.Id).HasColumnName("id");
            inv.Property(x => x.ResourceProviderId).HasColumnName("resource_provider_id");
            inv.Property(x => x.ResourceClassId).HasColumnName("resource_class_id");
            inv.Property(x => x.Total).HasColumnName("total");
            inv.Property(x => x.Reserved).HasColumnName("reserved");
            inv.Property(x => x.MinUnit).HasColumnName("min_unit");
            inv.Property(x => x.MaxUnit).HasColumnName("max_unit");
            inv.Property(x => x.StepSize).HasColumnName("step_size");
            inv.Property(x => x.AllocationRatio).HasColumnName("allocation_ratio");
            inv.Property(x => x.CreatedAt).HasColumnName("created_at");
            inv.Property(x => x.UpdatedAt).HasColumnName("updated_at");
            inv.Ignore(x => x.Capacity);
            inv.HasIndex(x => new { x.ResourceProviderId, x.ResourceClassId }).IsUnique()
                .HasDatabaseName("uniq_inventories0resource_provider_resource_class");
            inv.HasIndex(x => new { x.ResourceClassId, x.Total }).HasDatabaseName("ix_inventories_resource_class_id_total");
            inv.HasOne<ResourceProviderRecord>().WithMany().HasForeignKey(x => x.ResourceProviderId)
                .OnDelete(DeleteBehavior.Cascade).HasConstraintName("fk_inventories_provider");
            inv.HasOne<ResourceClassRecord>().WithMany().HasForeignKey(x => x.ResourceClassId)
                .OnDelete(DeleteBehavior.Restrict).HasConstraintName("fk_inventories_resource_class");
        });

        model.Entity<ProjectRecord>(project =>
        {
            project.ToTable("projects");
            project.HasKey(x => x.Id);
            project.Property(x => x.Id).HasColumnName("id");
            project.Property(x => x.ExternalId).HasColumnName("external_id").HasMaxLength(255);
            project.HasIndex(x => x.ExternalId).IsUnique().HasDatabaseName("uniq_projects0external_id");
        });

        model.Entity<UserRecord>(user =>
        {
            user.ToTable("users");
            user.HasKey(x => x.Id);
            user.Property(x => x.Id).HasColumnName("id");
            user.Property(x => x.ExternalId).HasColumnName("external_id").HasMaxLength(255);
            user.HasIndex(x => x.ExternalId).IsUnique().HasDatabaseName("uniq_users0external_id");
        });

        model.Entity<ConsumerTypeRecord>(type =>
        {
            type.ToTable("consumer_types");
            type.HasKey(x => x.Id);
            type.Property(x => x.Id).HasColumnName("id");
            type.Property(x => x.Name).HasColumnName("name").HasMaxLength(255);
            type.HasIndex(x => x.Name).IsUnique().HasDatabaseName("uniq_consumer_types0name");
        });

        model.Entity<ConsumerRecord>(consumer =>
        {
            consumer.ToTable("consumers");
            consumer.HasKey(x => x.Id);
            consumer.Property(x => x.Id).HasColumnName("id");
            consumer.Property(x => x.Uuid).HasColumnName("uuid");
            consumer.Property(x => x.ProjectId).HasColumnName("project_id");
            consumer.Property(x => x.UserId).HasColumnName("user_id");
            consumer.Property(x => x.Generation).HasColumnName("generation");
            consumer.Property(x => x.ConsumerTypeId).HasColumnName("consumer_type_id");
            consumer.Property(x => x.CreatedAt).HasColumnName("created_at");
            consumer.Property(x => x.UpdatedAt).HasColumnName("updated_at");
            // Allocations refer to their consumer by uuid (as in Placement): one consumer per uuid.
            consumer.HasAlternateKey(x => x.Uuid).HasName("uniq_consumers0uuid");
            consumer.HasIndex(x => new { x.ProjectId, x.UserId }).HasDatabaseName("ix_consumers_project_id_user_id");
            consumer.HasIndex(x => x.UserId).HasDatabaseName("ix_consumers_user_id");
            consumer.HasIndex(x => x.ConsumerTypeId).HasDatabaseName("ix_consumers_consumer_type_id");
            // No foreign keys here or on allocations, as in Placement: each would cost a lookup and a row lock for every
            // row written, and the writers hold the line themselves. Projects, users and consumer types are never
            // deleted; a consumer's allocations go with it under its row lock (AllocationWriter, ConsumerLocks); a
            // provider is deleted only under its row lock once it holds none (DeleteResourceProviderConsumer); a
            // resource class only once no inventory (which every allocation needs) names it.
        });

        model.Entity<AllocationRecord>(alloc =>
        {
            alloc.ToTable("allocations");
            alloc.HasKey(x => x.Id);
            alloc.Property(x => x.Id).HasColumnName("id");
            alloc.Property(x => x.ResourceProviderId).HasColumnName("resource_provider_id");
            alloc.Property(x => x.ConsumerUuid).HasColumnName("consumer_uuid");
            alloc.Property(x => x.ResourceClassId).HasColumnName("resource_class_id");
            alloc.Property(x => x.Used).HasColumnName("used");
            alloc.Property(x => x.CreatedAt).HasColumnName("created_at");
            alloc.Property(x => x.UpdatedAt).HasColumnName("updated_at");
            alloc.HasIndex(x => new { x.ResourceProviderId, x.ResourceClassId, x.Used })
                .HasDatabaseName("ix_allocations_resource_provider_class_used");
            alloc.HasIndex(x => x.ConsumerUuid).HasDatabaseName("ix_allocations_consumer_uuid");
            alloc.HasIndex(x => x.ResourceClassId).HasDatabaseName("ix_allocations_resource_class_id");
        });

        model.Entity<JobRecord>(job =>
        {
            job.ToTable("jobs");
            job.HasKey(x => x.Id);
            job.Property(x => x.Id).HasColumnName("id");
            job.Property(x => x.Type).HasColumnName("type").HasMaxLength(64);
            job.Property(x => x.RequestId).HasColumnName("request_id").HasMaxLength(255);
            job.Property(x => x.OwnerId).HasColumnName("owner_id").HasMaxLength(255);
            job.Property(x => x.Project).HasColumnName("project").HasMaxLength(255);
            job.Property(x => x.Data).HasColumnName("data");
            job.Property(x => x.Callback).HasColumnName("callback").HasMaxLength(2048);
            job.Property(x => x.Priority).HasColumnName("priority");
            // Every status change is conditional on the status read: admission, done, delete and the sweep race for the
            // same job, and the loser re-runs against the winner's commit (DbErrors.IsConcurrentWrite).
            job.Property(x => x.Status).HasColumnName("status").HasMaxLength(16).IsConcurrencyToken();
            job.Property(x => x.AggregateLabel).HasColumnName("aggregate_label").HasMaxLength(255);
            job.Property(x => x.AggregateUuid).HasColumnName("aggregate_uuid");
            job.Property(x => x.Reason).HasColumnName("reason");
            job.Property(x => x.CreatedAt).HasColumnName("created_at");
            job.Property(x => x.UpdatedAt).HasColumnName("updated_at");
            job.Property(x => x.DeletedAt).HasColumnName("deleted_at");
            job.Property(x => x.QueuedSince).HasColumnName("queued_since");
            job.Property(x => x.AdmittedAt).HasColumnName("admitted_at");
            job.Property(x => x.ExpiresAt).HasColumnName("expires_at");
            // A request id is never reused within its type, even after the job is gone.
            job.HasIndex(x => new { x.Type, x.RequestId }).IsUnique().HasDatabaseName("uniq_jobs0type_request_id");
            // A callback URL belongs to one active job of a type at a time; the database holds that line too.
            job.HasIndex(x => new { x.Type, x.Callback }).IsUnique().HasFilter(ActiveJobs)
                .HasDatabaseName("uniq_jobs0type_callback_active");
            job.HasIndex(x => new { x.Status, x.Priority, x.Id }).HasDatabaseName("ix_jobs_status_priority_id");
            job.HasIndex(x => new { x.Type, x.Priority, x.Id }).HasDatabaseName("ix_jobs_type_priority_id");
            // The queue itself, in order: an admission pass finds the queued types and reads each one's head from here.
            job.HasIndex(x => new { x.Type, x.Priority, x.Id }, "ix_jobs_queued_type_priority_id").HasFilter(QueuedJobs);
        });

        model.Entity<JobInstanceRecord>(instance =>
        {
            instance.ToTable("job_instances");
            instance.HasKey(x => new { x.JobId, x.Index });
            instance.Property(x => x.JobId).HasColumnName("job_id");
            instance.Property(x => x.Index).HasColumnName("idx");
            instance.Property(x => x.ServerUuid).HasColumnName("server_uuid");
            instance.Property(x => x.Vcpu).HasColumnName("vcpu");
            instance.Property(x => x.MemoryMb).HasColumnName("memory_mb");
            instance.Property(x => x.DiskGb).HasColumnName("disk_gb");
            instance.Property(x => x.Resources).HasColumnName("resources");
            instance.Property(x => x.Traits).HasColumnName("traits");
            instance.Property(x => x.DeviceProfile).HasColumnName("device_profile").HasMaxLength(255);
            instance.Property(x => x.Host).HasColumnName("host").HasMaxLength(200);
            instance.Property(x => x.ProviderUuid).HasColumnName("provider_uuid");
            instance.HasIndex(x => x.ServerUuid).IsUnique().HasDatabaseName("uniq_job_instances0server_uuid");
            instance.HasOne<JobRecord>().WithMany().HasForeignKey(x => x.JobId)
                .OnDelete(DeleteBehavior.Cascade).HasConstraintName("fk_job_instances_job");
        });

        model.Entity<CallbackDeliveryRecord>(delivery =>
        {
            delivery.ToTable("callback_deliveries");
            delivery.HasKey(x => x.Id);
            delivery.Property(x => x.Id).HasColumnName("id");
            delivery.Property(x => x.JobId).HasColumnName("job_id");
            delivery.Property(x => x.Event).HasColumnName("event").HasMaxLength(32);
            delivery.Property(x => x.Body).HasColumnName("body");
            delivery.Property(x => x.State).HasColumnName("state").HasMaxLength(16);
            delivery.Property(x => x.Attempts).HasColumnName("attempts");
            delivery.Property(x => x.CreatedAt).HasColumnName("created_at");
            delivery.Property(x => x.FirstAttemptAt).HasColumnName("first_attempt_at");
            delivery.Property(x => x.NextAttemptAt).HasColumnName("next_attempt_at");
            delivery.Property(x => x.LastError).HasColumnName("last_error");
            delivery.Property(x => x.DeliveredAt).HasColumnName("delivered_at");
            // Recording an attempt is conditional on still holding the claim (a lease can run out mid-attempt).
            delivery.Property(x => x.ClaimedBy).HasColumnName("claimed_by").HasMaxLength(100).IsConcurrencyToken();
            delivery.Property(x => x.ClaimedUntil).HasColumnName("claimed_until");
            delivery.Property(x => x.History).HasColumnName("history");
            delivery.HasIndex(x => new { x.State, x.NextAttemptAt }).HasDatabaseName("ix_callback_deliveries_state_next_attempt_at");
            delivery.HasIndex(x => new { x.JobId, x.CreatedAt }).HasDatabaseName("ix_callback_deliveries_job_id_created_at");
            delivery.HasOne<JobRecord>().WithMany().HasForeignKey(x => x.JobId)
                .OnDelete(DeleteBehavior.Cascade).HasConstraintName("fk_callback_deliveries_job");
        });

        model.Entity<RetiredRequestIdRecord>(retired =>
        {
            retired.ToTable("retired_request_ids");
            retired.HasKey(x => new { x.Type, x.RequestId });
            retired.Property(x => x.Type).HasColumnName("type").HasMaxLength(64);
            retired.Property(x => x.RequestId).HasColumnName("request_id").HasMaxLength(255);
            retired.Property(x => x.RetiredAt).HasColumnName("retired_at");
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
