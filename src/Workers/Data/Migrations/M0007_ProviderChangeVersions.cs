using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Workers.Data.Migrations;

/// <summary>
/// <c>resource_providers.change_version</c>: on PostgreSQL, triggers bump it in the transaction of every change to a
/// provider's allocations, inventories, traits or aggregates, whatever code makes it. Admission passes keep the cloud
/// between passes and read again only the providers whose version moved (<see cref="Queue.CloudCache"/>). The
/// generation cannot serve: as in Placement, deleting allocations or setting aggregates before 1.19 leaves it alone.
/// SQLite gets the column for the model's sake; its passes read the whole cloud each time.
/// </summary>
[DbContext(typeof(ServiceDb))]
[Migration("20261122000007_ProviderChangeVersions")]
public sealed class M0007_ProviderChangeVersions : Migration
{
    static readonly string[] Tables = ["allocations", "inventories", "resource_provider_traits", "resource_provider_aggregates"];

    /// <summary>The function as this migration made it (<see cref="M0008_ProviderChangesByIndex"/> replaced its body).</summary>
    internal const string Function = """
        FUNCTION provider_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                PERFORM 1 FROM resource_providers WHERE id IN (SELECT resource_provider_id FROM new_rows) ORDER BY id FOR NO KEY UPDATE;
                UPDATE resource_providers SET change_version = change_version + 1 WHERE id IN (SELECT resource_provider_id FROM new_rows);
            ELSIF TG_OP = 'DELETE' THEN
                PERFORM 1 FROM resource_providers WHERE id IN (SELECT resource_provider_id FROM old_rows) ORDER BY id FOR NO KEY UPDATE;
                UPDATE resource_providers SET change_version = change_version + 1 WHERE id IN (SELECT resource_provider_id FROM old_rows);
            ELSE
                PERFORM 1 FROM resource_providers WHERE id IN (SELECT resource_provider_id FROM old_rows
                    UNION SELECT resource_provider_id FROM new_rows) ORDER BY id FOR NO KEY UPDATE;
                UPDATE resource_providers SET change_version = change_version + 1 WHERE id IN (SELECT resource_provider_id FROM old_rows
                    UNION SELECT resource_provider_id FROM new_rows);
            END IF;
            RETURN NULL;
        END $$
        """;

    protected override void Up(MigrationBuilder migration)
    {
        migration.AddColumn<long>("change_version", "resource_providers", nullable: false, defaultValue: 0L);
        if (migration.IsSqlite())
            return;
        // The providers are locked in id order before the update, as every writer locks them (consumers first, then
        // providers by id): a delete that takes the lock here queues behind a claim on the same provider, and never
        // deadlocks with one. Writers that already hold the lock pass straight through.
        migration.Sql("CREATE " + Function);
        foreach (var table in Tables)
            migration.Sql($"""
                CREATE TRIGGER {table}_inserted AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION provider_changed();
                CREATE TRIGGER {table}_updated AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION provider_changed();
                CREATE TRIGGER {table}_deleted AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION provider_changed();
                """);
    }

    protected override void Down(MigrationBuilder migration)
    {
        if (!migration.IsSqlite())
        {
            foreach (var table in Tables)
                migration.Sql($"""
                    DROP TRIGGER {table}_inserted ON {table};
                    DROP TRIGGER {table}_updated ON {table};
                    DROP TRIGGER {table}_deleted ON {table};
                    """);
            migration.Sql("DROP FUNCTION provider_changed()");
        }
        migration.DropColumn("change_version", "resource_providers");
    }
}
