using System.Net;

namespace Tests.Queue.Http;

/// <summary>The SSRF guard at submit, with <c>Callbacks:AllowPrivateNetworks</c> false as in production.</summary>
[Collection(QueueHttpCollection.Name)]
public sealed class CallbackGuardTests(QueueHttpService fixture)
{
    readonly QueueClient queue = fixture.Admin.As("alice:p1");

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook", "loopback")]
    [InlineData("http://127.8.9.10/hook", "loopback")]
    [InlineData("http://10.1.2.3/hook", "private")]
    [InlineData("https://172.16.0.1/hook", "private")]
    [InlineData("http://192.168.1.20/hook", "private")]
    [InlineData("http://169.254.169.254/latest/meta-data/", "link-local")]
    [InlineData("http://[::1]:9000/hook", "loopback")]
    [InlineData("http://[fd00::1]/hook", "private")]
    [InlineData("http://[::ffff:10.0.0.1]/hook", "private")]
    [InlineData("http://224.0.0.1/hook", "multicast")]
    [InlineData("http://0.0.0.0/hook", "unspecified")]
    [InlineData("http://localhost:9000/hook", "loopback")]
    public async Task A_callback_to_a_private_address_is_400_callback_not_allowed(string callback, string kind)
    {
        var requestId = "ssrf-" + Guid.NewGuid().ToString("N")[..8];

        var answer = await queue.Submit("guard", QueueClient.Body(requestId, callback));

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("callback_not_allowed", answer.Code);
        Assert.Contains(kind, answer.Error);
        Assert.Equal(HttpStatusCode.NotFound, (await queue.Get("guard", requestId)).Status);
    }

    [Fact]
    public async Task A_callback_with_user_information_is_refused()
    {
        var answer = await queue.Submit("guard", QueueClient.Body("userinfo", "http://user:secret@203.0.113.7/hook"));
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("callback_not_allowed", answer.Code);
    }

    [Fact]
    public async Task A_callback_to_a_public_address_is_accepted()
    {
        var answer = await queue.Submit("guard", QueueClient.Body("public", "https://203.0.113.7:8443/hooks/public"));
        Assert.Equal(HttpStatusCode.Created, answer.Status);
    }
}
