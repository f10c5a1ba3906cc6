using Npgsql;
using Tests.Hosts;

namespace Tests.Data;

/// <summary>
/// On PostgreSQL the database itself bumps a provider's <c>change_version</c> with every change to its allocations,
/// inventories, traits or aggregates, whichever statement makes it: the admission passes' cloud cache trusts it.
/// </summary>
public sealed class ProviderChangeVersionTests
{
    [Theory]
    [InlineData("INSERT INTO allocations (resource_provider_id, consumer_uuid, resource_class_id, used, created_at) VALUES (@a, gen_random_uuid(), 0, 1, now())")]
    [InlineData("UPDATE allocations SET used = used + 1 WHERE resource_provider_id = @a")]
    [InlineData("DELETE FROM allocations WHERE resource_provider_id = @a")]
    [InlineData("INSERT INTO inventories (resource_provider_id, resource_class_id, total, reserved, min_unit, max_unit, step_size, allocation_ratio, created_at) VALUES (@a, 1, 8, 0, 1, 8, 1, 1, now())")]
    [InlineData("UPDATE inventories SET total = total + 1 WHERE resource_provider_id = @a")]
    [InlineData("DELETE FROM inventories WHERE resource_provider_id = @a")]
    [InlineData("INSERT INTO resource_provider_traits (resource_provider_id, trait_id) SELECT @a, id FROM traits WHERE name = 'CUSTOM_OTHER'")]
    [InlineData("DELETE FROM resource_provider_traits WHERE resource_provider_id = @a")]
    [InlineData("INSERT INTO resource_provider_aggregates (resource_provider_id, aggregate_id) SELECT @a, id FROM placement_aggregates WHERE uuid = 'other'")]
    [InlineData("DELETE FROM resource_provider_aggregates WHERE resource_provider_id = @a")]
    public async Task A_change_to_what_a_provider_holds_bumps_its_version_and_no_other(string change)
    {
        await using var connection = await Migrated();
        var (a, b) = (await Provider(connection, "a"), await Provider(connection, "b"));
        foreach (var provider in new[] { a, b })
            await Execute(connection, """
                INSERT INTO allocations (resource_provider_id, consumer_uuid, resource_class_id, used, created_at) VALUES (@a, gen_random_uuid(), 0, 1, now());
                INSERT INTO inventories (resource_provider_id, resource_class_id, total, reserved, min_unit, max_unit, step_size, allocation_ratio, created_at)
                    VALUES (@a, 0, 8, 0, 1, 8, 1, 1, now());
                INSERT INTO resource_provider_traits (resource_provider_id, trait_id) SELECT @a, id FROM traits WHERE name = 'CUSTOM_ONE';
                INSERT INTO resource_provider_aggregates (resource_provider_id, aggregate_id) SELECT @a, id FROM placement_aggregates WHERE uuid = 'one';
                """, provider);
        var before = (await Version(connection, a), await Version(connection, b));

        await Execute(connection, change, a);

        Assert.True(await Version(connection, a) > before.Item1, $"the version of the provider changed stayed {before.Item1}");
        Assert.Equal(before.Item2, await Version(connection, b));
    }

    [Fact]
    public async Task A_statement_that_changes_several_providers_bumps_each_once()
    {
        await using var connection = await Migrated();
        var providers = new[] { await Provider(connection, "a"), await Provider(connection, "b"), await Provider(connection, "c") };
        await Execute(connection, """
            INSERT INTO allocations (resource_provider_id, consumer_uuid, resource_class_id, used, created_at)
            SELECT id, gen_random_uuid(), c, 1, now() FROM resource_providers CROSS JOIN generate_series(0, 2) AS c WHERE name IN ('a', 'b')
            """, providers[0]);

        var versions = new List<long>();
        foreach (var provider in providers)
            versions.Add(await Version(connection, provider));
        Assert.Equal([1L, 1L, 0L], versions);
    }

    static async Task<NpgsqlConnection> Migrated()
    {
        var (database, _) = await TestServers.CreateMigratedDatabase("versions");
        var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await Execute(connection, """
            INSERT INTO resource_classes (id, name, created_at) VALUES (0, 'VCPU', now()), (1, 'MEMORY_MB', now()), (2, 'DISK_GB', now())
                ON CONFLICT DO NOTHING;
            INSERT INTO traits (name, created_at) VALUES ('CUSTOM_ONE', now()), ('CUSTOM_OTHER', now());
            INSERT INTO placement_aggregates (uuid, created_at) VALUES ('one', now()), ('other', now());
            """, 0);
        return connection;
    }

    static async Task<long> Provider(NpgsqlConnection connection, string name)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO resource_providers (uuid, name, generation, created_at) VALUES (gen_random_uuid(), @name, 0, now()) RETURNING id", connection);
        command.Parameters.AddWithValue("name", name);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    static async Task<long> Version(NpgsqlConnection connection, long provider)
    {
        await using var command = new NpgsqlCommand("SELECT change_version FROM resource_providers WHERE id = @a", connection);
        command.Parameters.AddWithValue("a", provider);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    static async Task Execute(NpgsqlConnection connection, string sql, long provider)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("a", provider);
        await command.ExecuteNonQueryAsync();
    }
}
