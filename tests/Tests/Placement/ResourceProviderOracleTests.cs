using Tests.Hosts;

namespace Tests.Placement;

/// <summary>Resource providers answer as the real Placement 8.0 did, step by step (fixtures captured from it).</summary>
public sealed class ResourceProviderOracleTests
{
    [Fact]
    public async Task Answers_every_captured_resource_provider_request_as_Placement_8_does()
    {
        await using var service = new EmbeddedService();
        var differences = await new OracleFixture("resource_providers.json").Replay(service.CreateClient());
        Assert.True(differences.Count == 0, $"{differences.Count} differences from Placement 8.0:\n" + string.Join("\n", differences));
    }
}
