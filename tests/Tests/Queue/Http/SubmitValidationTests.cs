using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Tests.Queue.Http;

/// <summary>Every rule of <c>POST /v1/{type}/</c>'s body: each refusal is a 400 naming the field, and nothing is created.</summary>
[Collection(QueueHttpCollection.Name)]
public sealed class SubmitValidationTests(QueueHttpService fixture)
{
    readonly QueueClient queue = fixture.Admin.As("alice:p1");

    /// <summary>A valid body for <paramref name="requestId"/> with one change: a dotted path (<c>[n]</c> for an index)
    /// set to a JSON value, or removed when the value is null.</summary>
    static string Changed(string requestId, string path, string? json)
    {
        var body = new JsonObject
        {
            ["request_id"] = requestId,
            ["owner_id"] = "p1",
            ["callback"] = QueueHttpService.Callback("valid-" + requestId),
            ["data"] = new JsonObject
            {
                ["instances"] = new JsonArray(new JsonObject { ["VCPU"] = 1, ["Memory"] = 1, ["Disk"] = 0 }),
            },
        };
        var steps = path.Replace("[", ".[").Split('.');
        JsonNode node = body;
        foreach (var step in steps[..^1])
            node = step.StartsWith('[') ? node[int.Parse(step[1..^1])]! : node[step]!;
        var last = steps[^1];
        if (json is null)
            node.AsObject().Remove(last);
        else if (last.StartsWith('['))
            node[int.Parse(last[1..^1])] = JsonNode.Parse(json);
        else
            node[last] = JsonNode.Parse(json);
        return body.ToJsonString();
    }

    async Task AssertRefused(string type, string body, string code, string field, HttpStatusCode status = HttpStatusCode.BadRequest)
    {
        var answer = await queue.Submit(type, body);
        Assert.True(answer.Status == status, $"{body} -> {answer}");
        Assert.Equal(code, answer.Code);
        Assert.False(answer.Body.GetProperty("ok").GetBoolean());
        Assert.Contains(field, answer.Error);
    }

    [Theory]
    [InlineData("request_id", null, "missing_field", "request_id")]
    [InlineData("request_id", "\"\"", "invalid_field", "request_id")]
    [InlineData("request_id", "7", "invalid_field", "request_id")]
    [InlineData("owner_id", null, "missing_field", "owner_id")]
    [InlineData("owner_id", "\"\"", "invalid_field", "owner_id")]
    [InlineData("owner_id", "[\"p1\"]", "invalid_field", "owner_id")]
    [InlineData("data", null, "missing_field", "data")]
    [InlineData("data", "\"{}\"", "invalid_field", "data")]
    [InlineData("data", "[]", "invalid_field", "data")]
    [InlineData("callback", null, "missing_field", "callback")]
    [InlineData("callback", "\"/relative/hook\"", "invalid_field", "callback")]
    [InlineData("callback", "\"ftp://203.0.113.7/hook\"", "invalid_field", "callback")]
    [InlineData("callback", "\"not a url\"", "invalid_field", "callback")]
    [InlineData("callback", "42", "invalid_field", "callback")]
    [InlineData("unexpected", "1", "invalid_field", "unexpected")]
    [InlineData("data.instances", null, "missing_field", "data.instances")]
    [InlineData("data.instances", "[]", "invalid_field", "data.instances")]
    [InlineData("data.instances", "{}", "invalid_field", "data.instances")]
    [InlineData("data.instances[0]", "3", "invalid_field", "data.instances[0]")]
    [InlineData("data.instances[0].VCPU", null, "missing_field", "data.instances[0].VCPU")]
    [InlineData("data.instances[0].VCPU", "0", "invalid_field", "data.instances[0].VCPU")]
    [InlineData("data.instances[0].VCPU", "-1", "invalid_field", "data.instances[0].VCPU")]
    [InlineData("data.instances[0].VCPU", "1.5", "invalid_field", "data.instances[0].VCPU")]
    [InlineData("data.instances[0].VCPU", "\"2\"", "invalid_field", "data.instances[0].VCPU")]
    [InlineData("data.instances[0].Memory", null, "missing_field", "data.instances[0].Memory")]
    [InlineData("data.instances[0].Memory", "0", "invalid_field", "data.instances[0].Memory")]
    [InlineData("data.instances[0].Disk", null, "missing_field", "data.instances[0].Disk")]
    [InlineData("data.instances[0].Disk", "-1", "invalid_field", "data.instances[0].Disk")]
    [InlineData("data.instances[0].Disk", "4294967296", "invalid_field", "data.instances[0].Disk")]
    [InlineData("data.instances[0].Color", "\"red\"", "invalid_field", "data.instances[0].Color")]
    [InlineData("data.instances[0].Resources", "[]", "invalid_field", "data.instances[0].Resources")]
    [InlineData("data.instances[0].Resources", "{\"bogus\": 1}", "invalid_field", "data.instances[0].Resources.bogus")]
    [InlineData("data.instances[0].Resources", "{\"CUSTOM_GPU\": -1}", "invalid_field", "data.instances[0].Resources.CUSTOM_GPU")]
    [InlineData("data.instances[0].Resources", "{\"CUSTOM_GPU\": \"1\"}", "invalid_field", "data.instances[0].Resources.CUSTOM_GPU")]
    [InlineData("data.instances[0].Resources", "{\"VCPU\": 1}", "invalid_field", "data.instances[0].Resources.VCPU")]
    [InlineData("data.instances[0].Traits", "\"HW_CPU_X86_AVX2\"", "invalid_field", "data.instances[0].Traits")]
    [InlineData("data.instances[0].Traits", "[\"avx2\"]", "invalid_field", "data.instances[0].Traits")]
    [InlineData("data.instances[0].Traits", "[\"CUSTOM_FAST\", \"!CUSTOM_FAST\"]", "invalid_field", "data.instances[0].Traits")]
    [InlineData("data.instances[0].Traits", "[1]", "invalid_field", "data.instances[0].Traits")]
    [InlineData("data.instances[0].DeviceProfile", "\"no-such-profile\"", "invalid_field", "data.instances[0].DeviceProfile")]
    [InlineData("data.instances[0].DeviceProfile", "5", "invalid_field", "data.instances[0].DeviceProfile")]
    [InlineData("data.project", "42", "invalid_field", "data.project")]
    [InlineData("data.project", "\"\"", "invalid_field", "data.project")]
    [InlineData("data.host_aggregate", "\"rack-nowhere\"", "invalid_field", "data.host_aggregate")]
    [InlineData("data.host_aggregate", "7", "invalid_field", "data.host_aggregate")]
    public async Task A_body_breaking_a_rule_is_refused_with_the_code_and_the_field_named(string path, string? json, string code, string field)
    {
        var requestId = "bad-" + Guid.NewGuid().ToString("N")[..12];
        await AssertRefused("rules", Changed(requestId, path, json), code, field);

        // Nothing was created under that request id.
        Assert.Equal(HttpStatusCode.NotFound, (await queue.Get("rules", requestId)).Status);
    }

    [Fact]
    public async Task The_largest_and_smallest_allowed_values_are_accepted()
    {
        var longest = new string('r', 255);
        var callback = "http://203.0.113.7/" + new string('c', 2048 - "http://203.0.113.7/".Length);
        var body = JsonNode.Parse(Changed(longest, "data.instances[0].Disk", "0"))!;
        body["callback"] = callback;
        body["data"]!["project"] = new string('j', 255);
        body["data"]!["host_aggregate"] = "rack1";
        body["data"]!["instances"]![0]!["Resources"] = new JsonObject { ["CUSTOM_GPU"] = 1, ["SRIOV_NET_VF"] = 0 };
        body["data"]!["instances"]![0]!["Traits"] = new JsonArray("HW_CPU_X86_AVX2", "!CUSTOM_SLOW");

        var answer = await fixture.Admin.Submit("limits", body.ToJsonString());

        Assert.True(answer.Status == HttpStatusCode.Created, answer.ToString());
        Assert.Equal(longest, answer.Data.GetProperty("RequestID").GetString());
        Assert.Equal(callback, answer.Data.GetProperty("Callback").GetString());

        var owner = new string('o', 255);
        var longOwner = JsonNode.Parse(Changed("long-owner", "owner_id", $"\"{owner}\""))!;
        Assert.Equal(HttpStatusCode.Created, (await fixture.Admin.Submit("limits", longOwner.ToJsonString())).Status);
        Assert.Equal(owner, (await fixture.Admin.Job("limits", "long-owner")).GetProperty("OwnerID").GetString());
    }

    [Fact]
    public async Task One_character_too_many_is_refused()
    {
        await AssertRefused("limits", Changed(new string('r', 256), "data.instances[0].Disk", "0"), "invalid_field", "request_id");
        var owner = await fixture.Admin.Submit("limits", Changed("long-owner-2", "owner_id", $"\"{new string('o', 256)}\""));
        Assert.Equal(HttpStatusCode.BadRequest, owner.Status);
        Assert.Equal("invalid_field", owner.Code);
        Assert.Contains("owner_id", owner.Error);
        await AssertRefused("limits", Changed("long-project", "data.project", $"\"{new string('j', 256)}\""), "invalid_field", "data.project");
        var callback = "http://203.0.113.7/" + new string('c', 2049 - "http://203.0.113.7/".Length);
        await AssertRefused("limits", Changed("long-callback", "callback", $"\"{callback}\""), "invalid_field", "callback");
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("/")]
    [InlineData(".")]
    [InlineData("..")]
    public async Task A_request_id_that_no_URL_path_can_address_is_refused(string requestId)
    {
        // Such a job could never be read, changed or deleted: "/" splits the path, and "." and ".." are removed from it.
        var answer = await queue.Submit("unaddressable", Changed(requestId, "data.instances[0].Disk", "0"));

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("invalid_field", answer.Code);
        Assert.Contains("request_id", answer.Error);
        Assert.Empty((await queue.List("unaddressable")).Data.EnumerateArray());
    }

    [Theory]
    [InlineData("with space")]
    [InlineData("q?uery#frag")]
    [InlineData("50%")]
    [InlineData("a%2Fb")]
    [InlineData("caf\u00e9-\u65e5\u672c")]
    [InlineData("...")]
    public async Task Any_other_request_id_is_reachable_by_its_escaped_path(string requestId)
    {
        requestId = System.Text.RegularExpressions.Regex.Unescape(requestId);
        var escaped = Uri.EscapeDataString(requestId);
        var created = await queue.Submit("addressable", Changed(requestId, "data.instances[0].Disk", "0"));
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());

        var shown = await queue.Get("addressable", escaped);
        Assert.True(shown.Status == HttpStatusCode.OK, shown.ToString());
        Assert.Equal(requestId, shown.Data.GetProperty("RequestID").GetString());
        Assert.Equal(HttpStatusCode.OK, (await queue.Change("addressable", escaped, new { priority = 1 })).Status);
        Assert.Equal(HttpStatusCode.OK, (await queue.Delete("addressable", escaped)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await queue.Get("addressable", escaped)).Status);
    }

    [Fact]
    public async Task A_job_has_at_most_1000_instances()
    {
        var instance = "{\"VCPU\":1,\"Memory\":1,\"Disk\":0}";
        string Many(string requestId, int count) =>
            Changed(requestId, "data.instances", "[" + string.Join(",", Enumerable.Repeat(instance, count)) + "]");

        await AssertRefused("many", Many("too-many", 1001), "invalid_field", "data.instances");

        var answer = await queue.Submit("many", Many("just-enough", 1000));
        Assert.True(answer.Status == HttpStatusCode.Created, answer.ToString());
        Assert.Equal(1000, answer.Data.GetProperty("Instances").GetArrayLength());
    }

    [Fact]
    public async Task A_host_aggregate_is_an_aggregate_uuid_or_a_configured_name()
    {
        var byUuid = await queue.Submit("aggregates", Changed("by-uuid", "data.host_aggregate", $"\"{Guid.NewGuid()}\""));
        Assert.Equal(HttpStatusCode.Created, byUuid.Status);
        var byName = await queue.Submit("aggregates", Changed("by-name", "data.host_aggregate", "\"rack1\""));
        Assert.Equal(HttpStatusCode.Created, byName.Status);
        // The job keeps what the client wrote.
        Assert.Equal("rack1", QueueClient.DataOf(byName.Data).GetProperty("host_aggregate").GetString());
        await AssertRefused("aggregates", Changed("unknown-name", "data.host_aggregate", "\"rack2\""), "invalid_field", "rack2");
    }

    [Theory]
    [InlineData("Vm")]
    [InlineData("-vm")]
    [InlineData("_vm")]
    [InlineData("v.m")]
    [InlineData("a2345678901234567890123456789012345678901234567890123456789012345")]
    public async Task A_type_outside_the_pattern_is_refused_on_every_endpoint(string type)
    {
        var submitted = await queue.Submit(type, Changed("t", "data.instances[0].Disk", "0"));
        Assert.Equal(HttpStatusCode.BadRequest, submitted.Status);
        Assert.Equal("invalid_field", submitted.Code);
        Assert.Contains("type", submitted.Error);
        Assert.Equal("invalid_field", (await queue.List(type)).Code);
        Assert.Equal("invalid_field", (await queue.Get(type, "t")).Code);
        Assert.Equal("invalid_field", (await queue.Delete(type, "t")).Code);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("0")]
    [InlineData("kube_batch-2")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    public async Task A_type_matching_the_pattern_is_its_own_queue(string type)
    {
        var answer = await queue.Submit(type, Changed("t", "data.instances[0].Disk", "0"));
        Assert.True(answer.Status == HttpStatusCode.Created, answer.ToString());
        Assert.Equal(type, answer.Data.GetProperty("Type").GetString());
    }

    [Theory]
    [InlineData("{\"request_id\": ")]
    [InlineData("[]")]
    [InlineData("\"a job\"")]
    [InlineData("")]
    public async Task A_body_that_is_not_a_JSON_object_is_invalid_json(string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/rules/")
        {
            Headers = { { "X-Auth-Token", "alice:p1" } },
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        var answer = await QueueClient.Read(await queue.Http.SendAsync(request));
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("invalid_json", answer.Code);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task A_body_that_is_not_declared_JSON_is_415(string? mediaType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/rules/")
        {
            Headers = { { "X-Auth-Token", "alice:p1" } },
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Changed("typed", "data.instances[0].Disk", "0"))),
        };
        if (mediaType is not null)
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        var answer = await QueueClient.Read(await queue.Http.SendAsync(request));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, answer.Status);
        Assert.Equal("unsupported_media_type", answer.Code);
        Assert.False(answer.Body.GetProperty("ok").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await queue.Get("rules", "typed")).Status);
    }

    [Fact]
    public async Task A_body_over_one_mebibyte_is_413_with_or_without_a_length()
    {
        var big = Changed("big", "data.padding", $"\"{new string('x', 1024 * 1024)}\"");
        var declared = await queue.Submit("rules", big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.Status);
        Assert.Equal("body_too_large", declared.Code);

        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/v1/rules/")
        {
            Headers = { { "X-Auth-Token", "alice:p1" } },
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big))),
        };
        chunked.Headers.TransferEncodingChunked = true;
        chunked.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var streamed = await QueueClient.Read(await queue.Http.SendAsync(chunked));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.Status);
        Assert.Equal("body_too_large", streamed.Code);
        Assert.Equal(HttpStatusCode.NotFound, (await queue.Get("rules", "big")).Status);
    }
}
