using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Tests.Hosts;

namespace Tests.Http;

/// <summary>What every request goes through: authentication modes, body limits, request ids, health, and 503.</summary>
public sealed class EdgeTests
{
    static HttpRequestMessage CreateProvider(string token, object body, string version = "placement 1.39") => new(HttpMethod.Post, "/placement/resource_providers")
    {
        Headers = { { "X-Auth-Token", token }, { "OpenStack-API-Version", version } },
        Content = JsonContent.Create(body),
    };

    static string Sha256(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    [Fact]
    public async Task In_tokens_mode_only_configured_tokens_authenticate_and_their_roles_decide()
    {
        await using var service = new EmbeddedService(new()
        {
            ["Auth:Mode"] = "tokens",
            ["Auth:Tokens:0:Hash"] = Sha256("operator-secret"),
            ["Auth:Tokens:0:Project"] = "ops",
            ["Auth:Tokens:0:User"] = "operator",
            ["Auth:Tokens:0:Roles"] = "admin",
            ["Auth:Tokens:1:Hash"] = Sha256("nova-secret"),
            ["Auth:Tokens:1:Project"] = "service",
            ["Auth:Tokens:1:User"] = "nova",
            ["Auth:Tokens:1:Roles"] = "service",
            ["Auth:Tokens:2:Hash"] = Sha256("member-secret"),
            ["Auth:Tokens:2:Project"] = "p1",
            ["Auth:Tokens:2:User"] = "alice",
            ["Auth:Tokens:2:Roles"] = "member",
        });
        var client = service.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(CreateProvider("operator-secret", new { name = "a" }))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(CreateProvider("nova-secret", new { name = "b" }))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(CreateProvider("member-secret", new { name = "c" }))).StatusCode);
        // noauth's "admin" means nothing here, nor does an unknown token, nor X-Roles.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(CreateProvider("admin", new { name = "d" }))).StatusCode);
        var withRoles = CreateProvider("member-secret", new { name = "e" });
        withRoles.Headers.Add("X-Roles", "admin");
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(withRoles)).StatusCode);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_in_Placement_format_with_or_without_a_length()
    {
        await using var service = new EmbeddedService(new() { ["Api:MaxBodyBytes"] = "1024" });
        var client = service.CreateClient();
        var big = new { name = new string('x', 2000) };

        var declared = await client.SendAsync(CreateProvider("admin", big));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        var error = (await declared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0];
        Assert.Equal(413, error.GetProperty("status").GetInt32());
        Assert.Equal("Request Entity Too Large", error.GetProperty("title").GetString());

        var chunked = CreateProvider("admin", big);
        chunked.Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(big))));
        chunked.Content.Headers.ContentType = new("application/json");
        chunked.Headers.TransferEncodingChunked = true;
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await client.SendAsync(chunked)).StatusCode);

        // Under the limit the same request is fine.
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(CreateProvider("admin", new { name = new string('x', 200) }))).StatusCode);
    }

    [Fact]
    public async Task Every_answer_carries_one_request_id_in_both_headers_and_errors_repeat_it()
    {
        await using var service = new EmbeddedService();
        var client = service.CreateClient();
        var response = await client.SendAsync(CreateProvider("admin", new { nme = "typo" }));
        var id = response.Headers.GetValues("X-Openstack-Request-Id").Single();
        Assert.Matches("^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", id);
        Assert.Equal(id, response.Headers.GetValues("X-Request-Id").Single());
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0];
        Assert.Equal(id, error.GetProperty("request_id").GetString());

        var another = await client.GetAsync("/healthz");
        Assert.NotEqual(id, another.Headers.GetValues("X-Request-Id").Single());
    }

    [Fact]
    public async Task Health_and_readiness_answer_on_the_embedded_default()
    {
        await using var service = new EmbeddedService();
        var client = service.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        var ready = await client.GetAsync("/readyz");
        var body = await ready.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Sqlite", body.GetProperty("database").GetProperty("provider").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/openapi/v1.json")).StatusCode);
    }

    [Fact]
    public async Task With_no_broker_to_reach_a_request_is_503_with_Retry_After_within_the_request_timeout()
    {
        await using var service = new EmbeddedService(new()
        {
            ["Bus:Transport"] = "RabbitMq",
            ["ConnectionStrings:RabbitMq"] = $"amqp://guest:guest@127.0.0.1:{ServiceProcess.FreePort()}/",
            ["Workers:InProcess"] = "false",
            ["Api:RequestTimeout"] = "00:00:02",
        });
        var client = service.CreateClient();
        var clock = Stopwatch.StartNew();
        var response = await client.SendAsync(CreateProvider("admin", new { name = "nowhere" }));
        clock.Stop();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0];
        Assert.Equal(503, error.GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/readyz")).StatusCode);
    }
}
