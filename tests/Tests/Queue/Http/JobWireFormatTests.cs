using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Workers.Queue;

namespace Tests.Queue.Http;

/// <summary>The job as the original service wrote it (names, casing, Data as a string), plus the additive fields.</summary>
[Collection(QueueHttpCollection.Name)]
public sealed partial class JobWireFormatTests(QueueHttpService fixture)
{
    readonly QueueClient queue = fixture.Admin.As("alice:p1");

    static readonly string[] JobKeys =
    [
        "ID", "CreatedAt", "UpdatedAt", "DeletedAt", "RequestID", "Type", "OwnerID", "Data", "Callback", "Priority", "Status",
        "Position", "Reason", "Instances", "AdmittedAt", "CallbackDelivery",
    ];

    /// <summary>The original service's epoch, 2018-07-26T05:51:00.621743520Z, in nanoseconds since 0001-01-01.</summary>
    static readonly Int128 EpochNanoseconds = (Int128)new DateTime(2018, 7, 26, 5, 51, 0, DateTimeKind.Utc).Ticks * 100 + 621_743_520;

    static Int128 Nanoseconds(DateTime utc) => (Int128)utc.Ticks * 100;

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$")]
    private static partial Regex Rfc3339Utc();

    [Fact]
    public async Task A_new_job_is_201_in_the_data_ok_envelope_with_exactly_the_original_and_additive_fields()
    {
        var data = new Dictionary<string, object?>
        {
            ["project"] = "project id",
            ["instances"] = new object[] { QueueClient.Instance(1, 1, 1), QueueClient.Instance(2, 512, 0) },
        };
        var answer = await queue.Submit("wire-fields", QueueClient.Body("d", QueueHttpService.Callback("wire-d"), "p1", data));

        Assert.Equal(HttpStatusCode.Created, answer.Status);
        Assert.Equal("application/json", answer.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["data", "ok"], QueueClient.Names(answer.Body));
        Assert.True(answer.Body.GetProperty("ok").GetBoolean());
        var job = answer.Data;
        Assert.Equal(JobKeys.Order(), QueueClient.Names(job).Order());
        Assert.Equal(JsonValueKind.Number, job.GetProperty("ID").ValueKind);
        Assert.Equal("d", job.GetProperty("RequestID").GetString());
        Assert.Equal("wire-fields", job.GetProperty("Type").GetString());
        Assert.Equal("p1", job.GetProperty("OwnerID").GetString());
        Assert.Equal(QueueHttpService.Callback("wire-d"), job.GetProperty("Callback").GetString());
        Assert.Equal("queued", job.GetProperty("Status").GetString());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("DeletedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, job.GetProperty("AdmittedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, job.GetProperty("CallbackDelivery").ValueKind);
        Assert.Equal(0, job.GetProperty("Position").GetInt64());

        // Data is a JSON string holding the object that was sent.
        Assert.Equal(JsonValueKind.String, job.GetProperty("Data").ValueKind);
        Assert.True(JsonEquality.Equal(JsonSerializer.SerializeToElement(data), QueueClient.DataOf(job)), job.GetProperty("Data").GetString());

        // The same job reads back identically (but for why it waits, which admission may have written since).
        var shown = await queue.Job("wire-fields", "d");
        Assert.Equal(QueueClient.WithoutReason(job), QueueClient.WithoutReason(shown));
    }

    [Fact]
    public async Task Each_instance_gets_its_own_server_uuid_at_creation_and_no_host_until_admitted()
    {
        var job = await queue.Create("wire", "uuids", QueueHttpService.Callback("wire-uuids"),
            QueueClient.JobData(QueueClient.Instance(1, 1, 1), QueueClient.Instance(1, 1, 1), QueueClient.Instance(1, 1, 1)));

        var instances = job.GetProperty("Instances").EnumerateArray().ToList();
        Assert.Equal(3, instances.Count);
        Assert.All(instances, i => Assert.Equal(["ServerUUID"], QueueClient.Names(i)));
        var servers = instances.Select(i => Guid.Parse(i.GetProperty("ServerUUID").GetString()!)).ToList();
        Assert.Equal(3, servers.Distinct().Count());
        Assert.DoesNotContain(Guid.Empty, servers);
    }

    [Fact]
    public async Task Timestamps_are_RFC_3339_in_UTC_with_a_Z()
    {
        var before = DateTime.UtcNow;
        var job = await queue.Create("wire", "times", QueueHttpService.Callback("wire-times"));
        var after = DateTime.UtcNow;

        foreach (var name in new[] { "CreatedAt", "UpdatedAt" })
        {
            var text = job.GetProperty(name).GetString()!;
            Assert.Matches(Rfc3339Utc(), text);
            var at = DateTime.Parse(text, null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
            Assert.InRange(at, before.AddSeconds(-1), after.AddSeconds(1));
        }

        Assert.Equal(HttpStatusCode.OK, (await queue.Delete("wire", "times")).Status);
        var deleted = await queue.List("wire", "?status=deleted");
        var row = deleted.Data.EnumerateArray().Single(j => j.GetProperty("RequestID").GetString() == "times");
        Assert.Matches(Rfc3339Utc(), row.GetProperty("DeletedAt").GetString()!);
    }

    [Fact]
    public async Task Priority_is_a_JSON_integer_of_nanoseconds_since_the_original_epoch_and_follows_arrival()
    {
        var before = DateTime.UtcNow;
        var first = await queue.Create("wire", "early", QueueHttpService.Callback("wire-early"));
        var second = await queue.Create("wire", "late", QueueHttpService.Callback("wire-late"));
        var after = DateTime.UtcNow;

        var raw = first.GetProperty("Priority").GetRawText();
        Assert.Matches("^[0-9]+$", raw); // an integer literal: no fraction, no exponent
        var priority = long.Parse(raw);
        Assert.True(priority > 1L << 53, $"{priority} should be past 2^53 by now");
        Assert.InRange((Int128)priority, Nanoseconds(before) - EpochNanoseconds - 1_000_000_000, Nanoseconds(after) - EpochNanoseconds + 1_000_000_000);
        Assert.True(second.GetProperty("Priority").GetInt64() > priority);
    }

    [Fact]
    public async Task An_error_is_an_envelope_with_ok_false_a_message_and_a_code()
    {
        var answer = await queue.Get("wire", "nobody");

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal(["code", "error", "ok"], QueueClient.Names(answer.Body).Order());
        Assert.False(answer.Body.GetProperty("ok").GetBoolean());
        Assert.Equal("not_found", answer.Code);
        Assert.Contains("nobody", answer.Error);
    }

    [Fact]
    public async Task A_trailing_slash_is_optional_everywhere()
    {
        var created = await queue.Submit("slash", QueueClient.Body("s1", QueueHttpService.Callback("slash-1")));
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var noSlash = await queue.Send(HttpMethod.Post, "/v1/slash", QueueClient.Body("s2", QueueHttpService.Callback("slash-2")));
        Assert.Equal(HttpStatusCode.Created, noSlash.Status);

        Assert.Equal(2, (await queue.Send(HttpMethod.Get, "/v1/slash")).Data.GetArrayLength());
        Assert.Equal(2, (await queue.Send(HttpMethod.Get, "/v1/slash/")).Data.GetArrayLength());
        Assert.Equal("s1", (await queue.Send(HttpMethod.Get, "/v1/slash/s1/")).Data.GetProperty("RequestID").GetString());
        Assert.Equal(HttpStatusCode.OK, (await queue.Send(HttpMethod.Post, "/v1/slash/s1/", new { priority = 5 })).Status);
        Assert.Equal(5, (await queue.Job("slash", "s1")).GetProperty("Priority").GetInt64());
        Assert.Equal(HttpStatusCode.Conflict, (await queue.Send(HttpMethod.Post, "/v1/slash/s1/callback/")).Status);
        Assert.Equal(HttpStatusCode.OK, (await queue.Send(HttpMethod.Delete, "/v1/slash/s2/")).Status);
        Assert.Equal(HttpStatusCode.OK, (await queue.Send(HttpMethod.Get, "/v1")).Status);
        Assert.Equal(HttpStatusCode.OK, (await queue.Send(HttpMethod.Get, "/v1/")).Status);
    }
}
