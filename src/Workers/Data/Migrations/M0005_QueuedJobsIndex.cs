using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Workers.Data.Migrations;

/// <summary>The queued jobs of each type in queue order, which is what every admission pass reads.</summary>
[DbContext(typeof(ServiceDb))]
[Migration("20261122000005_QueuedJobsIndex")]
public sealed class M0005_QueuedJobsIndex : Migration
{
    protected override void Up(MigrationBuilder migration) =>
        migration.CreateIndex("ix_jobs_queued_type_priority_id", "jobs", ["type", "priority", "id"], filter: ServiceDb.QueuedJobs);

    protected override void Down(MigrationBuilder migration) => migration.DropIndex("ix_jobs_queued_type_priority_id", "jobs");
}
