using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Workers.Data.Migrations;

/// <summary>
/// Allocations and consumers lose their foreign keys, as Placement's tables have none: every row written paid a lookup
/// and a row lock for each, which made up most of the cost of a claim. The writers' row locks keep the same lines.
/// </summary>
[DbContext(typeof(ServiceDb))]
[Migration("20261122000006_NoAllocationForeignKeys")]
public sealed class M0006_NoAllocationForeignKeys : Migration
{
    static readonly (string Table, string Name)[] Keys =
    [
        ("allocations", "fk_allocations_provider"), ("allocations", "fk_allocations_consumer"),
        ("allocations", "fk_allocations_resource_class"), ("consumers", "fk_consumers_project"),
        ("consumers", "fk_consumers_user"), ("consumers", "fk_consumers_consumer_type"),
    ];

    protected override void Up(MigrationBuilder migration)
    {
        if (!migration.IsSqlite())
        {
            foreach (var (table, name) in Keys)
                migration.DropForeignKey(name, table);
            return;
        }
        // SQLite cannot drop a constraint: the two tables are rebuilt without theirs, allocations first (nothing refers
        // to them), then consumers (to which nothing refers any more).
        migration.Sql("""
            CREATE TABLE "ef_temp_allocations" (
                "id" INTEGER NOT NULL CONSTRAINT "PK_allocations" PRIMARY KEY AUTOINCREMENT,
                "resource_provider_id" INTEGER NOT NULL,
                "consumer_uuid" TEXT NOT NULL,
                "resource_class_id" INTEGER NOT NULL,
                "used" INTEGER NOT NULL,
                "created_at" TEXT NOT NULL,
                "updated_at" TEXT NULL);
            INSERT INTO "ef_temp_allocations" SELECT "id", "resource_provider_id", "consumer_uuid", "resource_class_id", "used", "created_at", "updated_at" FROM "allocations";
            DROP TABLE "allocations";
            ALTER TABLE "ef_temp_allocations" RENAME TO "allocations";
            CREATE INDEX "ix_allocations_resource_provider_class_used" ON "allocations" ("resource_provider_id", "resource_class_id", "used");
            CREATE INDEX "ix_allocations_consumer_uuid" ON "allocations" ("consumer_uuid");
            CREATE INDEX "ix_allocations_resource_class_id" ON "allocations" ("resource_class_id");
            CREATE TABLE "ef_temp_consumers" (
                "id" INTEGER NOT NULL CONSTRAINT "PK_consumers" PRIMARY KEY AUTOINCREMENT,
                "uuid" TEXT NOT NULL,
                "project_id" INTEGER NOT NULL,
                "user_id" INTEGER NOT NULL,
                "generation" INTEGER NOT NULL,
                "consumer_type_id" INTEGER NULL,
                "created_at" TEXT NOT NULL,
                "updated_at" TEXT NULL,
                CONSTRAINT "uniq_consumers0uuid" UNIQUE ("uuid"));
            INSERT INTO "ef_temp_consumers" SELECT "id", "uuid", "project_id", "user_id", "generation", "consumer_type_id", "created_at", "updated_at" FROM "consumers";
            DROP TABLE "consumers";
            ALTER TABLE "ef_temp_consumers" RENAME TO "consumers";
            CREATE INDEX "ix_consumers_project_id_user_id" ON "consumers" ("project_id", "user_id");
            CREATE INDEX "ix_consumers_user_id" ON "consumers" ("user_id");
            CREATE INDEX "ix_consumers_consumer_type_id" ON "consumers" ("consumer_type_id");
            """);
    }

    /// <summary>PostgreSQL only: the keys come back as they were.</summary>
    protected override void Down(MigrationBuilder migration)
    {
        migration.AddForeignKey("fk_allocations_provider", "allocations", "resource_provider_id", "resource_providers",
            principalColumn: "id", onDelete: ReferentialAction.Restrict);
        migration.AddForeignKey("fk_allocations_consumer", "allocations", "consumer_uuid", "consumers",
            principalColumn: "uuid", onDelete: ReferentialAction.Cascade);
        migration.AddForeignKey("fk_allocations_resource_class", "allocations", "resource_class_id", "resource_classes",
            principalColumn: "id", onDelete: ReferentialAction.Restrict);
        migration.AddForeignKey("fk_consumers_project", "consumers", "project_id", "projects", principalColumn: "id",
            onDelete: ReferentialAction.Restrict);
        migration.AddForeignKey("fk_consumers_user", "consumers", "user_id", "users", principalColumn: "id",
            onDelete: ReferentialAction.Restrict);
        migration.AddForeignKey("fk_consumers_consumer_type", "consumers", "consumer_type_id", "consumer_types",
            principalColumn: "id", onDelete: ReferentialAction.Restrict);
    }
}
