using MassTransit;
using Microsoft.Extensions.Options;
using Workers.Hosting;

namespace Api.Http;

public static class BusRequests
{
    /// <summary>
    /// Sends a command or query to the workers and waits for the answer, never longer than <c>Api:RequestTimeout</c>
    /// (the token bounds the send too, which otherwise waits for a broker that is down). Any failure to get an
    /// answer becomes <see cref="ServiceUnavailableException"/>.
    /// </summary>
    public static async Task<TResponse> Ask<TRequest, TResponse>(this IRequestClient<TRequest> client, HttpContext http, TRequest message,
        TimeSpan? atMost = null)
        where TRequest : class where TResponse : class
    {
        var timeout = http.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.RequestTimeout;
        if (atMost < timeout)
            timeout = atMost.Value;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        deadline.CancelAfter(timeout);
        try
        {
            var response = await client.GetResponse<TResponse>(message,
                x => x.UseExecute(send => send.Headers.Set(RequestIdLogScope<TRequest>.Header, http.TraceIdentifier)),
                deadline.Token, RequestTimeout.After(ms: (int)timeout.TotalMilliseconds));
            return response.Message;
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is RequestTimeoutException or OperationCanceledException or RequestFaultException or MassTransitException)
        {
            throw new ServiceUnavailableException($"No answer from the workers within {timeout.TotalSeconds:0.#} s.", e);
        }
    }
}
