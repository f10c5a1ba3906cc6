using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Migrations.Operations.Builders;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Workers.Data.Migrations;

/// <summary>
/// Placement's inventory model: resource classes, traits, aggregates, inventories, and the consumers and
/// allocations they are measured against. Written by hand like <see cref="M0001_Initial"/>.
/// </summary>
[DbContext(typeof(ServiceDb))]
[Migration("20261122000002_PlacementInventory")]
public sealed class M0002_PlacementInventory : Migration
{
    static OperationBuilder<AddColumnOperation> Identity<T>(ColumnsBuilder table) => table.Column<T>(nullable: false)
        .Annotation("Sqlite:Autoincrement", true)
        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn);

    protected override void Up(MigrationBuilder migration)
    {
        migration.CreateTable("resource_classes", table => new
        {
            id = table.Column<int>(nullable: false),
            name = table.Column<string>(maxLength: 255, nullable: false),
            created_at = table.Column<DateTime>(nullable: false),
            updated_at = table.Column<DateTime>(nullable: true),
        }, constraints: table => table.PrimaryKey("PK_resource_classes", x => x.id));
        migration.CreateIndex("uniq_resource_classes0name", "resource_classes", "name", unique: true);

        migration.CreateTable("traits", table => new
        {
            id = Identity<int>(table),
            name = table.Column<string>(maxLength: 255, nullable: false),
            created_at = table.Column<DateTime>(nullable: false),
            updated_at = table.Column<DateTime>(nullable: true),
        }, constraints: table => table.PrimaryKey("PK_traits", x => x.id));
        migration.CreateIndex("uniq_traits0name", "traits", "name", unique: true);

        migration.CreateTable("placement_aggregates", table => new
        {
            id = Identity<int>(table),
            uuid = table.Column<string>(maxLength: 36, nullable: false),
            created_at = table.Column<DateTime>(nullable: false),
        }, constraints: table => table.PrimaryKey("PK_placement_aggregates", x => x.id));
        migration.CreateIndex("uniq_placement_aggregates0uuid", "placement_aggregates", "uuid", unique: true);

        migration.CreateTable("resource_provider_traits", table => new
        {
            trait_id = table.Column<int>(nullable: false),
            resource_provider_id = table.Column<long>(nullable: false),
        }, constraints: table =>
        {
            table.PrimaryKey("PK_resource_provider_traits", x => new { x.trait_id, x.resource_provider_id });
            table.ForeignKey("fk_resource_provider_traits_provider", x => x.resource_provider_id, "resource_providers", "id", onDelete: ReferentialAction.Cascade);
            table.ForeignKey("fk_resource_provider_traits_trait", x => x.trait_id, "traits", "id", onDelete: ReferentialAction.Restrict);
        });
        migration.CreateIndex("ix_resource_provider_traits_resource_provider_id", "resource_provider_traits", "resource_provider_id");

        migration.CreateTable("resource_provider_aggregates", table => new
        {
            resource_provider_id = table.Column<long>(nullable: false),
            aggregate_id = table.Column<int>(nullable: false),
        }, constraints: table =>
        {
            table.PrimaryKey("PK_resource_provider_aggregates", x => new { x.resource_provider_id, x.aggregate_id });
            table.ForeignKey("fk_resource_provider_aggregates_provider", x => x.resource_provider_id, "resource_providers", "id", onDelete: ReferentialAction.Cascade);
            table.ForeignKey("fk_resource_provider_aggregates_aggregate", x => x.aggregate_id, "placement_aggregates", "id", onDelete: ReferentialAction.Restrict);
        });
        migration.CreateIndex("ix_resource_provider_aggregates_aggregate_id", "resource_provider_aggregates", "aggregate_id");

        migration.CreateTable("inventories", table => new
        {
            id = Identity<long>(table),
            resource_provider_id = table.Column<long>(nullable: false),
            resource_class_id = table.Column<int>(nullable: false),
            total = table.Column<int>(nullable: false),
            reserved = table.Column<int>(nullable: false),
            min_unit = table.Column<int>(nullable: false),
            max_unit = table.Column<int>(nullable: false),
            step_size = table.Column<int>(nullable: false),
            allocation_ratio = table.Column<double>(nullable: false),
            created_at = table.Column<DateTime>(nullable: false),
            updated_at = table.Column<DateTime>(nullable: true),
        }, constraints: table =>
        {
            table.PrimaryKey("PK_inventories", x => x.id);
            table.ForeignKey("fk_inventories_provider", x => x.resource_provider_id, "resource_providers", "id", onDelete: ReferentialAction.Cascade);
            table.ForeignKey("fk_inventories_resource_class", x => x.resource_class_id, "resource_classes", "id", onDelete: ReferentialAction.Restrict);
        });
        migration.CreateIndex("uniq_inventories0resource_provider_resource_class", "inventories", ["resource_provider_id", "resource_class_id"], unique: true);
        migration.CreateIndex("ix_inventories_resource_class_id_total", "inventories", ["resource_class_id", "total"]);

        migration.CreateTable("projects", table => new
        {
            id = Identity<int>(table),
            external_id = table.Column<string>(maxLength: 255, nullable: false),
        }, constraints: table => table.PrimaryKey("PK_projects", x => x.id));
        migration.CreateIndex("uniq_projects0external_id", "projects", "external_id", unique: true);

        migration.CreateTable("users", table => new
        {
            id = Identity<int>(table),
            external_id = table.Column<string>(maxLength: 255, nullable: false),
        }, constraints: table => table.PrimaryKey("PK_users", x => x.id));
        migration.CreateIndex("uniq_users0external_id", "users", "external_id", unique: true);

        migration.CreateTable("consumer_types", table => new
        {
            id = Identity<int>(table),
            name = table.Column<string>(maxLength: 255, nullable: false),
        }, constraints: table => table.PrimaryKey("PK_consumer_types", x => x.id));
        migration.CreateIndex("uniq_consumer_types0name", "consumer_types", "name", unique: true);

        migration.CreateTable("consumers", table => new
        {
            id = Identity<long>(table),
            uuid = table.Column<Guid>(nullable: false),
            project_id = table.Column<int>(nullable: false),
            user_id = table.Column<int>(nullable: false),
            generation = table.Column<long>(nullable: false),
            consumer_type_id = table.Column<int>(nullable: true),
            created_at = table.Column<DateTime>(nullable: false),
            updated_at = table.Column<DateTime>(nullable: true),
        }, constraints: table =>
        {
            table.PrimaryKey("PK_consumers", x => x.id);
            table.UniqueConstraint("uniq_consumers0uuid", x => x.uuid);
            table.ForeignKey("fk_consumers_project", x => x.project_id, "projects", "id", onDelete: ReferentialAction.Restrict);
            table.ForeignKey("fk_consumers_user", x => x.user_id, "users", "id", onDelete: ReferentialAction.Restrict);
            table.ForeignKey("fk_consumers_consumer_type", x => x.consumer_type_id, "consumer_types", "id", onDelete: ReferentialAction.Restrict);
        });
        migration.CreateIndex("ix_consumers_project_id_user_id", "consumers", ["project_id", "user_id"]);
        migration.CreateIndex("ix_consumers_user_id", "consumers", "user_id");
        migration.CreateIndex("ix_consumers_consumer_type_id", "consumers", "consumer_type_id");

        migration.CreateTable("allocations", table => new
        {
            id = Identity<long>(table),
            resource_provider_id = table.Column<long>(nullable: false),
            consumer_uuid = table.Column<Guid>(nullable: false),
            resource_class_id = table.Column<int>(nullable: false),
            used = table.Column<int>(nullable: false),
            created_at = table.Column<DateTime>(nullable: false),
            updated_at = table.Column<DateTime>(nullable: true),
        }, constraints: table =>
        {
            table.PrimaryKey("PK_allocations", x => x.id);
            table.ForeignKey("fk_allocations_provider", x => x.resource_provider_id, "resource_providers", "id", onDelete: ReferentialAction.Restrict);
            table.ForeignKey("fk_allocations_consumer", x => x.consumer_uuid, "consumers", "uuid", onDelete: ReferentialAction.Cascade);
            table.ForeignKey("fk_allocations_resource_class", x => x.resource_class_id, "resource_classes", "id", onDelete: ReferentialAction.Restrict);
        });
        migration.CreateIndex("ix_allocations_resource_provider_class_used", "allocations", ["resource_provider_id", "resource_class_id", "used"]);
        migration.CreateIndex("ix_allocations_consumer_uuid", "allocations", "consumer_uuid");
        migration.CreateIndex("ix_allocations_resource_class_id", "allocations", "resource_class_id");
    }

    protected override void Down(MigrationBuilder migration)
    {
        foreach (var table in new[] { "allocations", "consumers", "consumer_types", "users", "projects", "inventories",
                     "resource_provider_aggregates", "resource_provider_traits", "placement_aggregates", "traits", "resource_classes" })
            migration.DropTable(table);
    }
}
