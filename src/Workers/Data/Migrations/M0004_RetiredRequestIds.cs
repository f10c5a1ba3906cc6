using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Workers.Data.Migrations;

/// <summary>The request ids of jobs purged after retention, so that none is ever used again within its type.</summary>
[DbContext(typeof(ServiceDb))]
[Migration("20261122000004_RetiredRequestIds")]
public sealed class M0004_RetiredRequestIds : Migration
{
    protected override void Up(MigrationBuilder migration) =>
        migration.CreateTable("retired_request_ids", table => new
        {
            type = table.Column<string>(maxLength: 64, nullable: false),
            request_id = table.Column<string>(maxLength: 255, nullable: false),
            retired_at = table.Column<DateTime>(nullable: false),
        }, constraints: table => table.PrimaryKey("PK_retired_request_ids", x => new { x.type, x.request_id }));

    protected override void Down(MigrationBuilder migration) => migration.DropTable("retired_request_ids");
}
