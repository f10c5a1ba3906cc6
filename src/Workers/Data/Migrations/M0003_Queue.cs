using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Workers.Data.Migrations;

/// <summary>The job queue: jobs, their instances, and the callback deliveries owed to them.</summary>
[DbContext(typeof(ServiceDb))]
[Migration("20261122000003_Queue")]
public sealed class M0003_Queue : Migration
{
    protected override void Up(MigrationBuilder migration)
    {
        migration.CreateTable("jobs", table => new
        {
            id = table.Column<long>(nullable: false)
                .Annotation("Sqlite:Autoincrement", true)
                .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
            type = table.Column<string>(maxLength: 64, nullable: false),
            request_id = table.Column<string>(maxLength: 255, nullable: false),
            owner_id = table.Column<string>(maxLength: 255, nullable: false),
            project = table.Column<string>(maxLength: 255, nullable: true),
            data = table.Column<string>(nullable: false),
            callback = table.Column<string>(maxLength: 2048, nullable: false),
            priority = table.Column<long>(nullable: false),
            status = table.Column<string>(maxLength: 16, nullable: false),
            aggregate_label = table.Column<string>(maxLength: 255, nullable: true),
            aggregate_uuid = table.Column<Guid>(nullable: true),
            reason = table.Column<string>(nullable: true),
            created_at = table.Column<DateTime>(nullable: false),
            updated_at = table.Column<DateTime>(nullable: false),
            deleted_at = table.Column<DateTime>(nullable: true),
            queued_since = table.Column<DateTime>(nullable: false),
            admitted_at = table.Column<DateTime>(nullable: true),
            expires_at = table.Column<DateTime>(nullable: true),
        }, constraints: table => table.PrimaryKey("PK_jobs", x => x.id));
        migration.CreateIndex("uniq_jobs0type_request_id", "jobs", ["type", "request_id"], unique: true);
        migration.CreateIndex("uniq_jobs0type_callback_active", "jobs", ["type", "callback"], unique: true, filter: ServiceDb.ActiveJobs);
        migration.CreateIndex("ix_jobs_status_priority_id", "jobs", ["status", "priority", "id"]);
        migration.CreateIndex("ix_jobs_type_priority_id", "jobs", ["type", "priority", "id"]);

        migration.CreateTable("job_instances", table => new
        {
            job_id = table.Column<long>(nullable: false),
            idx = table.Column<int>(nullable: false),
            server_uuid = table.Column<Guid>(nullable: false),
            vcpu = table.Column<int>(nullable: false),
            memory_mb = table.Column<int>(nullable: false),
            disk_gb = table.Column<int>(nullable: false),
            resources = table.Column<string>(nullable: false),
            traits = table.Column<string>(nullable: false),
            device_profile = table.Column<string>(maxLength: 255, nullable: true),
            host = table.Column<string>(maxLength: 200, nullable: true),
            provider_uuid = table.Column<Guid>(nullable: true),
        }, constraints: table =>
        {
            table.PrimaryKey("PK_job_instances", x => new { x.job_id, x.idx });
            table.ForeignKey("fk_job_instances_job", x => x.job_id, "jobs", "id", onDelete: ReferentialAction.Cascade);
        });
        migration.CreateIndex("uniq_job_instances0server_uuid", "job_instances", "server_uuid", unique: true);

        migration.CreateTable("callback_deliveries", table => new
        {
            id = table.Column<Guid>(nullable: false),
            job_id = table.Column<long>(nullable: false),
            @event = table.Column<string>(name: "event", maxLength: 32, nullable: false),
            body = table.Column<string>(nullable: false),
            state = table.Column<string>(maxLength: 16, nullable: false),
            attempts = table.Column<int>(nullable: false),
            created_at = table.Column<DateTime>(nullable: false),
            first_attempt_at = table.Column<DateTime>(nullable: true),
            next_attempt_at = table.Column<DateTime>(nullable: false),
            last_error = table.Column<string>(nullable: true),
            delivered_at = table.Column<DateTime>(nullable: true),
            claimed_by = table.Column<string>(maxLength: 100, nullable: true),
            claimed_until = table.Column<DateTime>(nullable: true),
            history = table.Column<string>(nullable: false),
        }, constraints: table =>
        {
            table.PrimaryKey("PK_callback_deliveries", x => x.id);
            table.ForeignKey("fk_callback_deliveries_job", x => x.job_id, "jobs", "id", onDelete: ReferentialAction.Cascade);
        });
        migration.CreateIndex("ix_callback_deliveries_state_next_attempt_at", "callback_deliveries", ["state", "next_attempt_at"]);
        migration.CreateIndex("ix_callback_deliveries_job_id_created_at", "callback_deliveries", ["job_id", "created_at"]);
    }

    protected override void Down(MigrationBuilder migration)
    {
        migration.DropTable("callback_deliveries");
        migration.DropTable("job_instances");
        migration.DropTable("jobs");
    }
}
