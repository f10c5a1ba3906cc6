using System.Net;

namespace Tests.Queue.Http;

/// <summary>Who may do what: a token is required, members see and change only their project's jobs, admins all.</summary>
[Collection(QueueHttpCollection.Name)]
public sealed class QueueAccessTests(QueueHttpService fixture)
{
    readonly QueueClient admin = fixture.Admin;
    readonly QueueClient alice = fixture.Admin.As("alice:p-alice");
    readonly QueueClient bob = fixture.Admin.As("bob:p-bob");

    public static TheoryData<string, string> Endpoints => new()
    {
        { "GET", "/v1/" },
        { "GET", "/v1/access/" },
        { "POST", "/v1/access/" },
        { "GET", "/v1/access/job" },
        { "POST", "/v1/access/job" },
        { "DELETE", "/v1/access/job" },
        { "POST", "/v1/access/job/callback" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Without_a_token_every_endpoint_is_401_unauthorized(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        var answer = await QueueClient.Read(await admin.Http.SendAsync(request));

        Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
        Assert.Equal("unauthorized", answer.Code);
        Assert.False(answer.Body.GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task A_member_submitting_for_another_project_is_403_forbidden()
    {
        var answer = await alice.Submit("access", QueueClient.Body("for-bob", QueueHttpService.Callback("access-for-bob"), owner: "p-bob"));

        Assert.Equal(HttpStatusCode.Forbidden, answer.Status);
        Assert.Equal("forbidden", answer.Code);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Get("access", "for-bob")).Status);
    }

    [Fact]
    public async Task A_user_alone_in_the_token_is_a_member_of_the_project_of_that_name()
    {
        var answer = await admin.As("carol").Submit("access", QueueClient.Body("carols", QueueHttpService.Callback("access-carol"), owner: "carol"));
        Assert.Equal(HttpStatusCode.Created, answer.Status);
        Assert.Equal(HttpStatusCode.Forbidden,
            (await admin.As("carol").Submit("access", QueueClient.Body("not-carols", QueueHttpService.Callback("access-x"), owner: "p-alice"))).Status);
    }

    [Fact]
    public async Task Another_projects_job_reads_as_404_for_every_operation()
    {
        await alice.Create("access", "alices", QueueHttpService.Callback("access-alices"), owner: "p-alice");

        foreach (var answer in new[]
                 {
                     await bob.Get("access", "alices"),
                     await bob.Change("access", "alices", new { priority = 1 }),
                     await bob.Change("access", "alices", new { position = "front" }),
                     await bob.Delete("access", "alices"),
                     await bob.Resend("access", "alices"),
                 })
        {
            Assert.Equal(HttpStatusCode.NotFound, answer.Status);
            Assert.Equal("not_found", answer.Code);
        }

        // Nothing bob tried had an effect.
        var job = await alice.Job("access", "alices");
        Assert.Equal("queued", job.GetProperty("Status").GetString());
        Assert.NotEqual(1, job.GetProperty("Priority").GetInt64());
    }

    [Fact]
    public async Task A_member_lists_only_their_projects_jobs_and_an_admin_lists_all()
    {
        await alice.Create("listing", "a1", QueueHttpService.Callback("listing-a1"), owner: "p-alice");
        await bob.Create("listing", "b1", QueueHttpService.Callback("listing-b1"), owner: "p-bob");
        await admin.Create("listing", "c1", QueueHttpService.Callback("listing-c1"), owner: "p-carol");

        static List<string> Ids(QueueClient.Answer answer) =>
            answer.Data.EnumerateArray().Select(j => j.GetProperty("RequestID").GetString()!).ToList();

        Assert.Equal(["a1"], Ids(await alice.List("listing")));
        Assert.Equal(["b1"], Ids(await bob.List("listing")));
        // A member's owner_id filter cannot widen the view.
        Assert.Empty(Ids(await alice.List("listing", "?owner_id=p-bob")));
        Assert.Equal(["a1", "b1", "c1"], Ids(await admin.List("listing")));
        Assert.Equal(["b1"], Ids(await admin.List("listing", "?owner_id=p-bob")));

        // And the admin reads, reorders and deletes anyone's job.
        Assert.Equal("p-bob", (await admin.Job("listing", "b1")).GetProperty("OwnerID").GetString());
        Assert.Equal(HttpStatusCode.OK, (await admin.Change("listing", "b1", new { priority = 3 })).Status);
        Assert.Equal(3, (await bob.Job("listing", "b1")).GetProperty("Priority").GetInt64());
        Assert.Equal(HttpStatusCode.OK, (await admin.Delete("listing", "b1")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.Get("listing", "b1")).Status);
    }

    [Fact]
    public async Task The_types_overview_counts_only_what_the_caller_may_see()
    {
        var dave = admin.As("dave:p-dave");
        await dave.Create("overview-a", "1", QueueHttpService.Callback("overview-a-1"), owner: "p-dave");
        await dave.Create("overview-a", "2", QueueHttpService.Callback("overview-a-2"), owner: "p-dave");
        await dave.Create("overview-b", "1", QueueHttpService.Callback("overview-b-1"), owner: "p-dave");
        Assert.Equal(HttpStatusCode.OK, (await dave.Delete("overview-a", "2")).Status);
        await admin.Create("overview-a", "someone-else", QueueHttpService.Callback("overview-a-3"), owner: "p-erin");

        var answer = await dave.Send(HttpMethod.Get, "/v1/");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(["data", "ok"], QueueClient.Names(answer.Body));
        var types = answer.Data.EnumerateArray().ToList();
        Assert.Equal(["overview-a", "overview-b"], types.Select(t => t.GetProperty("Type").GetString()!).ToList());
        Assert.Equal("""{"deleted":1,"queued":1}""", types[0].GetProperty("Jobs").GetRawText());
        Assert.Equal("""{"queued":1}""", types[1].GetProperty("Jobs").GetRawText());

        var all = await admin.Send(HttpMethod.Get, "/v1/");
        var a = all.Data.EnumerateArray().Single(t => t.GetProperty("Type").GetString() == "overview-a");
        Assert.Equal(2, a.GetProperty("Jobs").GetProperty("queued").GetInt32());
    }
}
