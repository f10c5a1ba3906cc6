using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Workers.Data.Migrations;

/// <summary>
/// <c>admission_jobs_moved(moved, planned)</c> on PostgreSQL: raises <c>JQ001</c> (<see cref="Queue.AdmissionWrites.JobsLeftTheQueue"/>)
/// unless every job a pass planned was still queued when it moved them to running. The move then goes with the pass's
/// COMMIT instead of a round trip of its own: a job finished or deleted meanwhile fails the statement, so the COMMIT
/// never runs and the pass's claims roll back with it (<see cref="Queue.AdmissionWrites.MoveToRunningWithCommit"/>).
/// </summary>
[DbContext(typeof(ServiceDb))]
[Migration("20261123000009_AdmissionMoveCheck")]
public sealed class M0009_AdmissionMoveCheck : Migration
{
    protected override void Up(MigrationBuilder migration)
    {
        if (!migration.IsSqlite())
            // The code is written out, not taken from AdmissionWrites: what a migration made stays as it made it.
            migration.Sql("""
                CREATE OR REPLACE FUNCTION admission_jobs_moved(moved bigint, planned bigint) RETURNS bigint LANGUAGE plpgsql AS $$
                BEGIN
                    IF moved <> planned THEN
                        RAISE EXCEPTION 'only % of the % jobs planned were still queued', moved, planned
                            USING ERRCODE = 'JQ001';
                    END IF;
                    RETURN moved;
                END $$
                """);
    }

    protected override void Down(MigrationBuilder migration)
    {
        if (!migration.IsSqlite())
            migration.Sql("DROP FUNCTION IF EXISTS admission_jobs_moved(bigint, bigint)");
    }
}
