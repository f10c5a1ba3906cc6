using System.Net.Http.Headers;
using Api.Queue;
using Microsoft.Extensions.Options;

namespace Api.Http;

/// <summary>
/// What every queue request (<c>/v1</c>) goes through before its handler: a token, and for a body a JSON content type
/// (415) and the size limit (413), each answered in the queue's envelope.
/// </summary>
public sealed class QueueGate(RequestDelegate next, IOptions<ApiOptions> options)
{
    public const string Prefix = "/v1";

    public async Task InvokeAsync(HttpContext http)
    {
        if (Caller.Of(http) is null)
        {
            await QueueHttp.Error(401, "unauthorized", "an X-Auth-Token header is required").ExecuteAsync(http);
            return;
        }
        if (http.Request.ContentLength > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            var mediaType = MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var parsed) ? parsed.MediaType : null;
            if (!string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase))
            {
                await QueueHttp.Error(415, "unsupported_media_type",
                    $"the body must be application/json, not {mediaType ?? "an unnamed media type"}").ExecuteAsync(http);
                return;
            }
            if (http.Request.ContentLength > options.Value.MaxBodyBytes)
            {
                await QueueHttp.Error(413, "body_too_large",
                    $"the body is {http.Request.ContentLength} bytes; at most {options.Value.MaxBodyBytes} are accepted").ExecuteAsync(http);
                return;
            }
        }
        await next(http);
    }
}
