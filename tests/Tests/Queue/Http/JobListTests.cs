using System.Net;

namespace Tests.Queue.Http;

/// <summary><c>GET /v1/{type}/</c> and <c>GET /v1/{type}/{request_id}</c>: queue order, filters, paging, and 404s.</summary>
[Collection(QueueHttpCollection.Name)]
public sealed class JobListTests(QueueHttpService fixture)
{
    readonly QueueClient queue = fixture.Admin.As("alice:p1");

    static List<string> Ids(QueueClient.Answer answer)
    {
        Assert.True(answer.Status == HttpStatusCode.OK, answer.ToString());
        return answer.Data.EnumerateArray().Select(j => j.GetProperty("RequestID").GetString()!).ToList();
    }

    [Fact]
    public async Task Jobs_are_listed_in_queue_order_lowest_priority_first_then_by_id()
    {
        foreach (var id in new[] { "a", "b", "c", "d" })
            await queue.Create("order", id, QueueHttpService.Callback("order-" + id));
        Assert.Equal(["a", "b", "c", "d"], Ids(await queue.List("order")));

        Assert.Equal(HttpStatusCode.OK, (await queue.Change("order", "c", new { priority = 100 })).Status);
        Assert.Equal(HttpStatusCode.OK, (await queue.Change("order", "a", new { priority = 100 })).Status);
        Assert.Equal(HttpStatusCode.OK, (await queue.Change("order", "d", new { priority = -5 })).Status);

        // a and c tie at 100: a was created first, so it has the lower ID.
        Assert.Equal(["d", "a", "c", "b"], Ids(await queue.List("order")));
        var positions = (await queue.List("order")).Data.EnumerateArray().Select(j => j.GetProperty("Position").GetInt64()).ToList();
        Assert.Equal([0L, 1L, 2L, 3L], positions);
    }

    [Fact]
    public async Task The_status_and_owner_id_filters_narrow_the_list()
    {
        await fixture.Admin.Create("filters", "p1-a", QueueHttpService.Callback("filters-1"), owner: "p1");
        await fixture.Admin.Create("filters", "p1-b", QueueHttpService.Callback("filters-2"), owner: "p1");
        await fixture.Admin.Create("filters", "p2-a", QueueHttpService.Callback("filters-3"), owner: "p2");
        Assert.Equal(HttpStatusCode.OK, (await fixture.Admin.Delete("filters", "p1-b")).Status);

        Assert.Equal(["p1-a", "p2-a"], Ids(await fixture.Admin.List("filters")));
        Assert.Equal(["p1-a", "p2-a"], Ids(await fixture.Admin.List("filters", "?status=queued")));
        Assert.Equal(["p1-b"], Ids(await fixture.Admin.List("filters", "?status=deleted")));
        Assert.Empty(Ids(await fixture.Admin.List("filters", "?status=running")));
        Assert.Equal(["p2-a"], Ids(await fixture.Admin.List("filters", "?owner_id=p2")));
        Assert.Equal(["p1-b"], Ids(await fixture.Admin.List("filters", "?owner_id=p1&status=deleted")));

        var bad = await fixture.Admin.List("filters", "?status=finished");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal("invalid_field", bad.Code);
        Assert.Contains("status", bad.Error);
    }

    [Fact]
    public async Task A_page_holds_100_jobs_by_default_and_next_marker_leads_to_the_rest()
    {
        var ids = Enumerable.Range(0, 101).Select(i => $"j{i:D3}").ToList();
        foreach (var id in ids)
            await queue.Create("paging", id, QueueHttpService.Callback("paging-" + id));

        var first = await queue.List("paging");
        Assert.Equal(ids[..100], Ids(first));
        Assert.Equal(["data", "next_marker", "ok"], QueueClient.Names(first.Body).Order());
        Assert.Equal("j099", first.Body.GetProperty("next_marker").GetString());

        var rest = await queue.List("paging", "?marker=j099");
        Assert.Equal(["j100"], Ids(rest));
        Assert.False(rest.Body.TryGetProperty("next_marker", out _));

        var small = await queue.List("paging", "?limit=40&marker=j009");
        Assert.Equal(ids[10..50], Ids(small));
        Assert.Equal("j049", small.Body.GetProperty("next_marker").GetString());

        var exact = await queue.List("paging", "?limit=101");
        Assert.Equal(ids, Ids(exact));
        Assert.False(exact.Body.TryGetProperty("next_marker", out _));
        Assert.Equal(101, Ids(await queue.List("paging", "?limit=1000")).Count);
    }

    [Theory]
    [InlineData("?limit=1001")]
    [InlineData("?limit=0")]
    [InlineData("?limit=-1")]
    [InlineData("?limit=ten")]
    [InlineData("?marker=no-such-job")]
    public async Task A_bad_limit_or_an_unknown_marker_is_400(string query)
    {
        var answer = await queue.List("paging-bad", query);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("invalid_field", answer.Code);
        Assert.Contains(query[1..query.IndexOf('=')], answer.Error);
    }

    [Fact]
    public async Task One_job_is_read_by_its_request_id_and_an_unknown_or_deleted_one_is_404()
    {
        var created = await queue.Create("one", "here", QueueHttpService.Callback("one-here"));
        await queue.Create("one", "gone", QueueHttpService.Callback("one-gone"));
        Assert.Equal(HttpStatusCode.OK, (await queue.Delete("one", "gone")).Status);

        var shown = await queue.Get("one", "here");
        Assert.Equal(HttpStatusCode.OK, shown.Status);
        Assert.Equal(created.GetProperty("ID").GetInt64(), shown.Data.GetProperty("ID").GetInt64());

        foreach (var (type, id) in new[] { ("one", "gone"), ("one", "never"), ("one-elsewhere", "here") })
        {
            var missing = await queue.Get(type, id);
            Assert.Equal(HttpStatusCode.NotFound, missing.Status);
            Assert.Equal("not_found", missing.Code);
        }
    }

    [Fact]
    public async Task An_unknown_path_under_v1_is_404_in_the_envelope()
    {
        var answer = await queue.Send(HttpMethod.Get, "/v1/one/here/elsewhere/deeper");
        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal("not_found", answer.Code);
    }
}
