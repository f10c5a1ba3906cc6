using Tests.Hosts;

namespace Tests.Placement;

/// <summary>
/// Every captured scenario (tests/Tests/Placement/Fixtures, from the real Placement 8.0) answers the same from our
/// service, step by step, on a fresh embedded service each: on SQLite (the embedded default) and on PostgreSQL (the
/// production database, where allocations are read and written by their own set-based statements).
/// </summary>
public sealed class PlacementOracleTests
{
    public static TheoryData<string> Fixtures() => new(Directory.GetFiles(OracleFixture.Folder, "*.json")
        .Select(Path.GetFileName).Where(f => f != "allowed-differences.json").Order()!);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task Answers_as_Placement_8_does(string fixture)
    {
        await using var service = new EmbeddedService();
        var differences = await new OracleFixture(fixture).Replay(service.CreateClient());
        Assert.True(differences.Count == 0, $"{differences.Count} differences from Placement 8.0 in {fixture}:\n" + string.Join("\n", differences));
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task Answers_as_Placement_8_does_on_PostgreSQL(string fixture)
    {
        var database = await TestServers.CreateDatabase("oracle");
        try
        {
            await using var service = new EmbeddedService(new() { ["Database:Provider"] = "Postgres", ["ConnectionStrings:Database"] = database });
            var differences = await new OracleFixture(fixture).Replay(service.CreateClient());
            Assert.True(differences.Count == 0, $"{differences.Count} differences from Placement 8.0 in {fixture}:\n" + string.Join("\n", differences));
        }
        finally
        {
            await TestServers.DropDatabase(database);
        }
    }
}
