using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Options;

namespace Workers.Callbacks;

/// <summary>
/// Makes one delivery attempt: POSTs the body with the delivery headers and classifies the answer. It neither
/// retries nor records anything; the caller stores the outcome and asks <see cref="CallbackRetryPolicy"/> what next.
/// </summary>
public sealed class CallbackSender(IHttpClientFactory clients, IOptions<CallbackOptions> options, TimeProvider time)
{
    static readonly MediaTypeHeaderValue Json = new("application/json");

    public async Task<CallbackAttempt> SendAsync(
        Uri url, string deliveryId, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var at = time.GetUtcNow();
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ReadOnlyMemoryContent(body) };
        request.Content.Headers.ContentType = Json;
        request.Headers.TryAddWithoutValidation(CallbackHeaders.Delivery, deliveryId);
        request.Headers.TryAddWithoutValidation(CallbackHeaders.Timestamp, timestamp);
        if (settings.SignsDeliveries)
            request.Headers.TryAddWithoutValidation(
                CallbackHeaders.Signature, CallbackSignature.Compute(settings.SigningKey!, timestamp, body.Span));

        using var timeout = new CancellationTokenSource(settings.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            // Headers only: the receiver's body is never needed, and reading it would let a receiver make us buffer
            // whatever it sends.
            using var response = await clients.CreateClient(CallbackRegistration.HttpClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            return Classify(response, at);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new(CallbackOutcome.Retry, at, null, $"timeout after {Describe(settings.Timeout)}");
        }
        catch (HttpRequestException e) when (Find<CallbackAddressRefusedException>(e) is { } refused)
        {
            return new(CallbackOutcome.Final, at, null, refused.Message);
        }
        catch (HttpRequestException e)
        {
            return new(CallbackOutcome.Retry, at, null, Describe(e));
        }
    }

    CallbackAttempt Classify(HttpResponseMessage response, DateTimeOffset at)
    {
        var status = (int)response.StatusCode;
        if (status is >= 200 and <= 299)
            return new(CallbackOutcome.Delivered, at, status, null);
        var error = $"HTTP {status}";
        if (status is 408 or 429 or (>= 500 and <= 599))
            return new(CallbackOutcome.Retry, at, status, error, RetryAfter(response.Headers.RetryAfter));
        return new(CallbackOutcome.Final, at, status, error);
    }

    TimeSpan? RetryAfter(RetryConditionHeaderValue? header)
    {
        var delay = header switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - time.GetUtcNow(),
            _ => (TimeSpan?)null,
        };
        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
    }

    static string Describe(TimeSpan span) =>
        span.Ticks % TimeSpan.TicksPerSecond == 0
            ? $"{(long)span.TotalSeconds} s"
            : $"{(long)span.TotalMilliseconds} ms";

    static string Describe(HttpRequestException e)
    {
        if (Find<SocketException>(e) is { } socket)
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.ConnectionReset => "connection reset",
                SocketError.HostNotFound or SocketError.NoData => "host does not resolve",
                SocketError.TimedOut => "connect timed out",
                SocketError.HostUnreachable => "host unreachable",
                SocketError.NetworkUnreachable => "network unreachable",
                var code => $"network error ({code})",
            };
        if (Find<AuthenticationException>(e) is not null)
            return "TLS handshake failed";
        return e.HttpRequestError switch
        {
            HttpRequestError.ResponseEnded => "connection closed before a response",
            HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError => "invalid HTTP response",
            HttpRequestError.NameResolutionError => "host does not resolve",
            _ => $"network error ({e.HttpRequestError})",
        };
    }

    static T? Find<T>(Exception e) where T : Exception
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is T found)
                return found;
        return null;
    }
}
