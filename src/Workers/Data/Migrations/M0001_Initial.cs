using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Workers.Data.Migrations;

/// <summary>
/// Hand-written (the EF design-time tools are not available here). Column types are left to the provider so the
/// same migration runs on SQLite and PostgreSQL; identity columns carry both providers' annotations.
/// A test checks that the migrated schema equals the one the model creates.
/// </summary>
[DbContext(typeof(ServiceDb))]
[Migration("20261122000001_Initial")]
public sealed class M0001_Initial : Migration
{
    protected override void Up(MigrationBuilder migration)
    {
        migration.CreateTable(
            name: "resource_providers",
            columns: table => new
            {
                id = table.Column<long>(nullable: false)
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                uuid = table.Column<Guid>(nullable: false),
                name = table.Column<string>(maxLength: 200, nullable: false),
                generation = table.Column<long>(nullable: false),
                parent_provider_id = table.Column<long>(nullable: true),
                root_provider_id = table.Column<long>(nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
                updated_at = table.Column<DateTime>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_resource_providers", x => x.id);
                table.ForeignKey(
                    name: "fk_resource_providers_parent",
                    column: x => x.parent_provider_id,
                    principalTable: "resource_providers",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
            });
        migration.CreateIndex("uniq_resource_providers0uuid", "resource_providers", "uuid", unique: true);
        migration.CreateIndex("uniq_resource_providers0name", "resource_providers", "name", unique: true);
        migration.CreateIndex("ix_resource_providers_root_provider_id", "resource_providers", "root_provider_id");
        migration.CreateIndex("ix_resource_providers_parent_provider_id", "resource_providers", "parent_provider_id");

        migration.CreateTable(
            name: "inbox",
            columns: table => new
            {
                message_id = table.Column<Guid>(nullable: false),
                message_type = table.Column<string>(maxLength: 200, nullable: false),
                response_type = table.Column<string>(maxLength: 200, nullable: false),
                response_json = table.Column<string>(nullable: false),
                received_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_inbox", x => x.message_id));
        migration.CreateIndex("ix_inbox_received_at", "inbox", "received_at");
    }

    protected override void Down(MigrationBuilder migration)
    {
        migration.DropTable("inbox");
        migration.DropTable("resource_providers");
    }
}
