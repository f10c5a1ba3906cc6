using System.Net;

namespace Tests.Queue.Http;

/// <summary><c>POST /v1/{type}/{request_id}</c> (priority, position, after, before, status) and <c>DELETE</c> on queued jobs.</summary>
[Collection(QueueHttpCollection.Name)]
public sealed class JobChangeTests(QueueHttpService fixture)
{
    readonly QueueClient queue = fixture.Admin.As("alice:p1");

    /// <summary>Creates the jobs and gives each the priority asked, in order.</summary>
    async Task Queue(string type, params (string Id, long Priority)[] jobs)
    {
        foreach (var (id, priority) in jobs)
        {
            await queue.Create(type, id, QueueHttpService.Callback($"{type}-{id}"));
            AssertEmptySuccess(await queue.Change(type, id, new { priority }));
        }
    }

    static void AssertEmptySuccess(QueueClient.Answer answer)
    {
        Assert.True(answer.Status == HttpStatusCode.OK, answer.ToString());
        Assert.Equal("""{"data":{},"ok":true}""", answer.Body.GetRawText());
    }

    async Task<long> Priority(string type, string id) => (await queue.Job(type, id)).GetProperty("Priority").GetInt64();

    async Task<List<string>> Order(string type) =>
        (await queue.List(type)).Data.EnumerateArray().Select(j => j.GetProperty("RequestID").GetString()!).ToList();

    [Fact]
    public async Task Setting_a_priority_answers_an_empty_success_and_moves_the_job()
    {
        await queue.Create("prio", "a", QueueHttpService.Callback("prio-a"));
        await queue.Create("prio", "b", QueueHttpService.Callback("prio-b"));
        var before = await queue.Job("prio", "b");

        AssertEmptySuccess(await queue.Change("prio", "b", new { priority = -9_000_000_000_000_000_000 }));

        var after = await queue.Job("prio", "b");
        Assert.Equal(-9_000_000_000_000_000_000, after.GetProperty("Priority").GetInt64());
        Assert.Equal(["b", "a"], await Order("prio"));
        Assert.Equal(0, after.GetProperty("Position").GetInt64());
        Assert.True(DateTime.Parse(after.GetProperty("UpdatedAt").GetString()!) >= DateTime.Parse(before.GetProperty("UpdatedAt").GetString()!));
    }

    [Fact]
    public async Task Front_is_one_below_the_lowest_queued_priority_and_back_one_above_the_highest()
    {
        await Queue("ends", ("a", 10), ("b", 20), ("c", 30));

        AssertEmptySuccess(await queue.Change("ends", "b", new { position = "front" }));
        Assert.Equal(9, await Priority("ends", "b"));
        AssertEmptySuccess(await queue.Change("ends", "b", new { position = "back" }));
        Assert.Equal(31, await Priority("ends", "b"));
        Assert.Equal(["a", "c", "b"], await Order("ends"));
    }

    [Fact]
    public async Task After_and_before_take_the_floor_of_the_average_of_the_two_neighbours()
    {
        await Queue("slots", ("a", 10), ("b", 13), ("c", 20), ("x", 1000));

        AssertEmptySuccess(await queue.Change("slots", "x", new { after = "a" }));
        Assert.Equal(11, await Priority("slots", "x")); // floor((10 + 13) / 2)
        Assert.Equal(["a", "x", "b", "c"], await Order("slots"));

        AssertEmptySuccess(await queue.Change("slots", "x", new { before = "c" }));
        Assert.Equal(16, await Priority("slots", "x")); // floor((13 + 20) / 2)

        // With no neighbour on the far side, one past the job named.
        AssertEmptySuccess(await queue.Change("slots", "x", new { after = "c" }));
        Assert.Equal(21, await Priority("slots", "x"));
        AssertEmptySuccess(await queue.Change("slots", "x", new { before = "a" }));
        Assert.Equal(9, await Priority("slots", "x"));
    }

    [Fact]
    public async Task The_floor_of_a_negative_average_rounds_down()
    {
        await Queue("negative", ("a", -4), ("b", 1), ("x", 50));

        AssertEmptySuccess(await queue.Change("negative", "x", new { after = "a" }));

        Assert.Equal(-2, await Priority("negative", "x")); // floor(-1.5)
    }

    [Fact]
    public async Task Neighbours_near_the_64_bit_limits_do_not_overflow()
    {
        await Queue("extremes", ("a", long.MaxValue - 4), ("b", long.MaxValue), ("x", 0));

        AssertEmptySuccess(await queue.Change("extremes", "x", new { after = "a" }));

        Assert.Equal(long.MaxValue - 2, await Priority("extremes", "x"));
    }

    [Fact]
    public async Task No_integer_between_the_neighbours_is_409_no_room()
    {
        await Queue("room", ("a", 10), ("b", 11), ("x", 500), ("top", long.MaxValue));

        var between = await queue.Change("room", "x", new { after = "a" });
        Assert.Equal(HttpStatusCode.Conflict, between.Status);
        Assert.Equal("no_room", between.Code);
        var beyond = await queue.Change("room", "x", new { after = "top" });
        Assert.Equal(HttpStatusCode.Conflict, beyond.Status);
        Assert.Equal("no_room", beyond.Code);
        Assert.Equal(500, await Priority("room", "x"));

        AssertEmptySuccess(await queue.Change("room", "a", new { priority = long.MinValue }));
        var front = await queue.Change("room", "x", new { position = "front" });
        Assert.Equal(HttpStatusCode.Conflict, front.Status);
        Assert.Equal("no_room", front.Code);
        var back = await queue.Change("room", "x", new { position = "back" });
        Assert.Equal(HttpStatusCode.Conflict, back.Status);
        Assert.Equal("no_room", back.Code);
        Assert.Equal(500, await Priority("room", "x"));
    }

    [Fact]
    public async Task Moving_relative_to_a_job_that_is_not_queued_in_the_type_is_refused()
    {
        await Queue("relative", ("a", 1), ("x", 2));
        await queue.Create("relative-other", "b", QueueHttpService.Callback("relative-other-b"));

        foreach (var body in new object[] { new { after = "b" }, new { before = "nobody" }, new { after = "x" } })
        {
            var answer = await queue.Change("relative", "x", body);
            Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
            Assert.Equal("invalid_field", answer.Code);
        }
        Assert.Equal(2, await Priority("relative", "x"));
    }

    [Theory]
    [InlineData("{}", "missing_field")]
    [InlineData("""{"priority": 1, "position": "front"}""", "invalid_field")]
    [InlineData("""{"priority": "1"}""", "invalid_field")]
    [InlineData("""{"priority": 1.5}""", "invalid_field")]
    [InlineData("""{"priority": 9223372036854775808}""", "invalid_field")]
    [InlineData("""{"position": "middle"}""", "invalid_field")]
    [InlineData("""{"after": 3}""", "invalid_field")]
    [InlineData("""{"status": 1}""", "invalid_field")]
    [InlineData("""{"colour": "red"}""", "invalid_field")]
    [InlineData("""[1]""", "invalid_json")]
    [InlineData("""{"priority": """, "invalid_json")]
    public async Task A_malformed_change_is_400_and_changes_nothing(string body, string code)
    {
        var id = "a-" + Guid.NewGuid().ToString("N")[..8];
        await Queue("bad-change", (id, 77));

        var answer = await queue.Change("bad-change", id, body);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(code, answer.Code);
        Assert.Equal(77, await Priority("bad-change", id));
    }

    [Theory]
    [InlineData("done")]
    [InlineData("running")]
    [InlineData("deleted")]
    [InlineData("failed")]
    [InlineData("queued")]
    [InlineData("whatever")]
    public async Task A_status_change_of_a_queued_job_is_409_invalid_transition(string status)
    {
        var id = "status-" + status;
        await queue.Create("transitions", id, QueueHttpService.Callback("transitions-" + id));

        var answer = await queue.Change("transitions", id, new { status });

        Assert.Equal(HttpStatusCode.Conflict, answer.Status);
        Assert.Equal("invalid_transition", answer.Code);
        Assert.Equal("queued", (await queue.Job("transitions", id)).GetProperty("Status").GetString());
    }

    [Fact]
    public async Task Changing_an_unknown_job_is_404()
    {
        var answer = await queue.Change("transitions", "nobody", new { priority = 1 });
        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal("not_found", answer.Code);
    }

    [Fact]
    public async Task Deleting_a_queued_job_answers_an_empty_success_and_a_second_delete_is_404()
    {
        await queue.Create("delete", "a", QueueHttpService.Callback("delete-a"));
        await queue.Create("delete", "b", QueueHttpService.Callback("delete-b"));

        AssertEmptySuccess(await queue.Delete("delete", "a"));

        Assert.Equal(HttpStatusCode.NotFound, (await queue.Get("delete", "a")).Status);
        var again = await queue.Delete("delete", "a");
        Assert.Equal(HttpStatusCode.NotFound, again.Status);
        Assert.Equal("not_found", again.Code);
        Assert.Equal(HttpStatusCode.NotFound, (await queue.Change("delete", "a", new { priority = 1 })).Status);

        // Soft delete: it is still listed under its status, with DeletedAt, and the rest of the queue moves up.
        var deleted = Assert.Single((await queue.List("delete", "?status=deleted")).Data.EnumerateArray());
        Assert.Equal("deleted", deleted.GetProperty("Status").GetString());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, deleted.GetProperty("DeletedAt").ValueKind);
        Assert.Equal(0, (await queue.Job("delete", "b")).GetProperty("Position").GetInt64());
    }

    [Fact]
    public async Task Resending_the_callback_of_a_job_that_had_none_is_409_and_of_an_unknown_job_404()
    {
        await queue.Create("resend", "queued", QueueHttpService.Callback("resend-queued"));

        var none = await queue.Resend("resend", "queued");
        Assert.Equal(HttpStatusCode.Conflict, none.Status);
        Assert.Equal("invalid_transition", none.Code);
        Assert.Equal(HttpStatusCode.NotFound, (await queue.Resend("resend", "nobody")).Status);
    }
}
