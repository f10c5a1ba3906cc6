using System.Net;

namespace Tests.Queue.Http;

/// <summary>Request ids make a submit safe to retry; callbacks are unique among a type's active jobs.</summary>
[Collection(QueueHttpCollection.Name)]
public sealed class ResubmitTests(QueueHttpService fixture)
{
    readonly QueueClient queue = fixture.Admin.As("alice:p1");

    const string Original = """
        {"request_id": "same", "owner_id": "p1", "callback": "http://203.0.113.7/hooks/same",
         "data": {"project": "x", "meta": {"weight": 1.5, "tags": ["a", "b"]},
                  "instances": [{"VCPU": 2, "Memory": 512, "Disk": 1, "Traits": ["CUSTOM_A"]}]}}
        """;

    // The same JSON: members in another order, whitespace, a number written differently, an escaped character.
    const string Reordered = """
        {"data":{"instances":[{"Traits":["CUSTOM_\u0041"],"Disk":1,"Memory":512,"VCPU":2}],"meta":{"tags":["a","b"],"weight":15e-1},"project":"x"},
         "callback":"http://203.0.113.7/hooks/same","owner_id":"p1","request_id":"same"}
        """;

    [Fact]
    public async Task The_same_request_id_with_an_equal_body_is_200_with_the_existing_job()
    {
        var created = await queue.Submit("resubmit", Original);
        Assert.Equal(HttpStatusCode.Created, created.Status);

        var again = await queue.Submit("resubmit", Original);
        var reordered = await queue.Submit("resubmit", Reordered);

        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal(QueueClient.WithoutReason(created.Data), QueueClient.WithoutReason(again.Data));
        Assert.True(reordered.Status == HttpStatusCode.OK, reordered.ToString());
        Assert.Equal(created.Data.GetProperty("ID").GetInt64(), reordered.Data.GetProperty("ID").GetInt64());
        Assert.Equal(created.Data.GetProperty("Instances").GetRawText(), reordered.Data.GetProperty("Instances").GetRawText());
        Assert.Single((await queue.List("resubmit")).Data.EnumerateArray());
    }

    [Theory]
    [InlineData("dup-owner", "\"owner_id\": \"p1\"", "\"owner_id\": \"p2\"")]
    [InlineData("dup-callback", "/hooks/same", "/hooks/other")]
    [InlineData("dup-vcpu", "\"VCPU\": 2", "\"VCPU\": 3")]
    [InlineData("dup-project", "\"project\": \"x\", ", "")]
    [InlineData("dup-traits", "\"Traits\": [\"CUSTOM_A\"]", "\"Traits\": [\"CUSTOM_A\", \"CUSTOM_B\"]")]
    [InlineData("dup-meta", "\"weight\": 1.5", "\"weight\": 1.25")]
    public async Task The_same_request_id_with_a_different_body_is_409_duplicate_request_id(string type, string from, string to)
    {
        Assert.Equal(HttpStatusCode.Created, (await fixture.Admin.Submit(type, Original)).Status);

        var different = await fixture.Admin.Submit(type, Original.Replace(from, to));

        Assert.Equal(HttpStatusCode.Conflict, different.Status);
        Assert.Equal("duplicate_request_id", different.Code);
        Assert.Contains("same", different.Error);
        var kept = await fixture.Admin.Job(type, "same");
        Assert.Equal(2, QueueClient.DataOf(kept).GetProperty("instances")[0].GetProperty("VCPU").GetInt32());
        Assert.Equal("p1", kept.GetProperty("OwnerID").GetString());
    }

    [Fact]
    public async Task A_request_id_is_never_reused_within_its_type_even_after_the_job_is_deleted()
    {
        var created = await queue.Submit("reuse", Original);
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(HttpStatusCode.OK, (await queue.Delete("reuse", "same")).Status);

        var differentBody = await queue.Submit("reuse", Original.Replace("/hooks/same", "/hooks/after-delete"));
        Assert.Equal(HttpStatusCode.Conflict, differentBody.Status);
        Assert.Equal("duplicate_request_id", differentBody.Code);

        // A retry of the original submit creates nothing new: the job stays deleted.
        var retry = await queue.Submit("reuse", Original);
        Assert.NotEqual(HttpStatusCode.Created, retry.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await queue.Get("reuse", "same")).Status);
        Assert.Empty((await queue.List("reuse")).Data.EnumerateArray());
    }

    [Fact]
    public async Task A_request_id_is_unique_within_its_type_only()
    {
        var first = await queue.Submit("unique-a", Original);
        var second = await queue.Submit("unique-b", Original);

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.Created, second.Status);
        Assert.NotEqual(first.Data.GetProperty("ID").GetInt64(), second.Data.GetProperty("ID").GetInt64());
    }

    [Fact]
    public async Task A_callback_used_by_an_active_job_of_the_type_is_409_duplicate_callback_until_that_job_ends()
    {
        var callback = QueueHttpService.Callback("shared");
        await queue.Create("callbacks", "first", callback);

        var second = await queue.Submit("callbacks", QueueClient.Body("second", callback));
        Assert.Equal(HttpStatusCode.Conflict, second.Status);
        Assert.Equal("duplicate_callback", second.Code);
        Assert.Contains(callback, second.Error);
        Assert.Equal(HttpStatusCode.NotFound, (await queue.Get("callbacks", "second")).Status);

        // Another type's jobs do not count.
        Assert.Equal(HttpStatusCode.Created, (await queue.Submit("callbacks-other", QueueClient.Body("second", callback))).Status);

        // Once the first job is no longer active, its callback is free again.
        Assert.Equal(HttpStatusCode.OK, (await queue.Delete("callbacks", "first")).Status);
        Assert.Equal(HttpStatusCode.Created, (await queue.Submit("callbacks", QueueClient.Body("third", callback))).Status);
    }

    [Fact]
    public async Task Concurrent_identical_submits_create_one_job_and_the_others_answer_it()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 8)
            .Select(_ => queue.Submit("concurrent", QueueClient.Body("once", QueueHttpService.Callback("concurrent-once")))));

        Assert.Single(answers, a => a.Status == HttpStatusCode.Created);
        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.Created or HttpStatusCode.OK, a.ToString()));
        Assert.Single(answers.Select(a => a.Data.GetProperty("ID").GetInt64()).Distinct());
    }

    [Fact]
    public async Task Concurrent_submits_sharing_a_callback_create_one_job_and_the_others_are_409()
    {
        var callback = QueueHttpService.Callback("concurrent-shared");
        var answers = await Task.WhenAll(Enumerable.Range(0, 8)
            .Select(i => queue.Submit("concurrent", QueueClient.Body($"shared-{i}", callback))));

        Assert.Single(answers, a => a.Status == HttpStatusCode.Created);
        Assert.Equal(7, answers.Count(a => a.Status == HttpStatusCode.Conflict && a.Code == "duplicate_callback"));
        Assert.Single((await queue.List("concurrent")).Data.EnumerateArray(), j => j.GetProperty("Callback").GetString() == callback);
    }
}
