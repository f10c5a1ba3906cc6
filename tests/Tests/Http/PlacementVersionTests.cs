using Api.Http;

namespace Tests.Http;

/// <summary>Microversion negotiation as Python's microversion_parse does it (the messages are its own).</summary>
public sealed class PlacementVersionTests
{
    [Theory]
    [InlineData(null, "1.0")]
    [InlineData("placement 1.14", "1.14")]
    [InlineData("placement latest", "1.39")]
    [InlineData("compute 2.1", "1.0")]
    [InlineData("compute 2.1, placement 1.20", "1.20")]
    [InlineData("placement 1.2, placement 1.30", "1.30")]
    [InlineData("PLACEMENT 1.5", "1.5")]
    [InlineData("placement 1.05", "1.5")]
    public void Negotiates_the_version_the_header_asks_for(string? header, string expected)
    {
        var version = PlacementVersion.Negotiate(header is null ? [] : [header], out var bad, out var unacceptable);
        Assert.Null(bad);
        Assert.Null(unacceptable);
        Assert.Equal(expected, version.ToString());
    }

    [Theory]
    [InlineData("placement 1.40", "Unacceptable version header: 1.40")]
    [InlineData("placement 2.0", "Unacceptable version header: 2.0")]
    [InlineData("placement 0.9", "Unacceptable version header: 0.9")]
    public void Refuses_versions_outside_the_range_as_not_acceptable(string header, string expected)
    {
        Assert.Null(PlacementVersion.Negotiate([header], out _, out var unacceptable));
        Assert.Equal(expected, unacceptable);
    }

    [Theory]
    [InlineData("placement 1.a", "invalid version string: 1.a; invalid literal for int() with base 10: 'a'")]
    [InlineData("placement foo", "invalid version string: foo; invalid literal for int() with base 10: 'foo'")]
    [InlineData("placement 1", "invalid version string: 1; Version.__new__() missing 1 required positional argument: 'minor'")]
    public void Refuses_malformed_versions_as_bad_requests(string header, string expected)
    {
        Assert.Null(PlacementVersion.Negotiate([header], out var bad, out _));
        Assert.Equal(expected, bad);
    }
}
