using System.Text.Json;
using Api.Http;
using Contracts.Queue;
using MassTransit;
using Microsoft.Extensions.Options;
using Workers.Data;
using Workers.Callbacks;
using Workers.Queue;

namespace Api.Queue;

/// <summary>
/// <c>/v1/{type}/</c>: the job queue in the original service's wire format (a trailing slash is optional everywhere).
/// Members see and change only their project's jobs; another project's job reads as not found.
/// </summary>
public static class JobsApi
{
    static readonly string[] Statuses = [JobStatus.Queued, JobStatus.Running, JobStatus.Done, JobStatus.Deleted, JobStatus.Failed];
    static readonly string[] ChangeKeys = ["priority", "position", "after", "before", "status"];

    public static IEndpointRouteBuilder MapQueue(this IEndpointRouteBuilder routes)
    {
        var queue = routes.MapGroup(QueueGate.Prefix).WithTags("Queue");
        queue.MapGet("/", ListTypes);
        queue.MapGet("/{type}", List);
        queue.MapPost("/{type}", Submit);
        queue.MapGet("/{type}/{requestId}", Show);
        queue.MapPost("/{type}/{requestId}", Change);
        queue.MapDelete("/{type}/{requestId}", Delete);
        queue.MapPost("/{type}/{requestId}/callback", Resend);
        queue.Map("{**unknown}", () => QueueHttp.Error(404, "not_found", "no such endpoint")).ExcludeFromDescription().WithOrder(int.MaxValue);
        return routes;
    }

    static async Task<IResult> ListTypes(HttpContext http, IRequestClient<ListQueueTypes> workers) =>
        QueueHttp.Types(await workers.Ask<ListQueueTypes, QueueTypeList>(http, new(QueueHttp.OwnerScope(http))));

    static async Task<IResult> List(HttpContext http, string type, IRequestClient<ListJobs> workers)
    {
        if (JobSubmission.CheckType(type) is { } badType)
            return badType;
        var query = http.Request.Query;
        var status = query["status"].LastOrDefault();
        if (status is not null && !Statuses.Contains(status))
            return QueueHttp.Error(400, "invalid_field", $"status: must be one of {string.Join(", ", Statuses)}");
        var limit = 100;
        if (query["limit"].LastOrDefault() is { } limitText && (!int.TryParse(limitText, out limit) || limit is < 1 or > 1000))
            return QueueHttp.Error(400, "invalid_field", "limit: must be an integer from 1 to 1000");
        var list = await workers.Ask<ListJobs, JobList>(http, new(type, QueueHttp.OwnerScope(http),
            query["owner_id"].LastOrDefault(), status, limit, query["marker"].LastOrDefault()));
        return list.Problem is { } problem ? QueueHttp.Problem(problem) : QueueHttp.Jobs(list.Jobs, list.NextMarker);
    }

    static async Task<IResult> Submit(HttpContext http, string type, IRequestClient<SubmitJob> workers, IOptions<QueueOptions> options,
        CallbackAddressGuard guard, IOptions<ApiOptions> apiOptions)
    {
        if (JobSubmission.CheckType(type) is { } badType)
            return badType;
        var (body, unreadable) = await QueueHttp.ReadObject(http);
        if (unreadable is not null)
            return unreadable;
        var (job, invalid) = JobSubmission.Parse(type, body, Caller.Of(http)!, options.Value);
        if (invalid is not null)
            return invalid;
        // The SSRF guard, checked where the client can still be told; each delivery checks the address again.
        if (await CheckCallback(http, guard, new Uri(job!.Callback), apiOptions.Value.RequestTimeout) is { } refused)
            return QueueHttp.Error(400, "callback_not_allowed", $"callback: {refused}");
        var result = await workers.Ask<SubmitJob, JobResult>(http, job);
        return result.Problem is { } problem ? QueueHttp.Problem(problem) : QueueHttp.Job(result.Job!, result.Created ? 201 : 200);
    }

    /// <summary>The guard's check, its name lookup bounded by <c>Api:RequestTimeout</c> like every other wait of a
    /// request: a resolver that does not answer is a 503 (outcome unknown, safe to retry), not a hung request.</summary>
    static async Task<string?> CheckCallback(HttpContext http, CallbackAddressGuard guard, Uri callback, TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        deadline.CancelAfter(timeout);
        try
        {
            return await guard.CheckAsync(callback, deadline.Token);
        }
        catch (OperationCanceledException e) when (!http.RequestAborted.IsCancellationRequested)
        {
            throw new ServiceUnavailableException($"The callback host '{callback.IdnHost}' did not resolve within {timeout.TotalSeconds:0.#} s.", e);
        }
    }

    static async Task<IResult> Show(HttpContext http, string type, string requestId, IRequestClient<GetJob> workers)
    {
        if (JobSubmission.CheckType(type) is { } badType)
            return badType;
        var result = await workers.Ask<GetJob, JobResult>(http, new(type, requestId, QueueHttp.OwnerScope(http)));
        return result.Problem is { } problem ? QueueHttp.Problem(problem) : QueueHttp.Job(result.Job!);
    }

    static async Task<IResult> Change(HttpContext http, string type, string requestId, IRequestClient<ChangeJob> workers, JobFinishes finishes)
    {
        if (JobSubmission.CheckType(type) is { } badType)
            return badType;
        var (body, unreadable) = await QueueHttp.ReadObject(http);
        if (unreadable is not null)
            return unreadable;
        var given = body.EnumerateObject().ToList();
        foreach (var member in given.Where(m => !ChangeKeys.Contains(m.Name)))
            return QueueHttp.Error(400, "invalid_field", $"{member.Name}: unknown field; give one of {string.Join(", ", ChangeKeys)}");
        if (given.Count != 1)
            return given.Count == 0
                ? QueueHttp.Error(400, "missing_field", $"one of {string.Join(", ", ChangeKeys)} is required")
                : QueueHttp.Error(400, "invalid_field", $"{string.Join(", ", given.Select(m => m.Name))}: give only one of them");

        var (key, value) = (given[0].Name, given[0].Value);
        long? priority = null;
        string? position = null, after = null, before = null, status = null;
        switch (key)
        {
            case "priority" when value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var p):
                priority = p;
                break;
            case "priority":
                return QueueHttp.Error(400, "invalid_field", "priority: must be a 64-bit integer");
            case "position" when value.ValueKind == JsonValueKind.String && value.GetString() is "front" or "back":
                position = value.GetString();
                break;
            case "position":
                return QueueHttp.Error(400, "invalid_field", "position: must be \"front\" or \"back\"");
            case "after" or "before" when value.ValueKind == JsonValueKind.String && value.GetString()!.Length is >= 1 and <= 255:
                if (key == "after") after = value.GetString(); else before = value.GetString();
                break;
            case "after" or "before":
                return QueueHttp.Error(400, "invalid_field", $"{key}: must be the request_id of another queued job");
            case "status" when value.ValueKind == JsonValueKind.String:
                status = value.GetString();
                break;
            default:
                return QueueHttp.Error(400, "invalid_field", "status: must be a string");
        }
        ChangeJob change = new(type, requestId, QueueHttp.OwnerScope(http), priority, position, after, before, status);
        // Finishes, the common change, travel gathered; reorderings one by one.
        var result = status == JobStatus.Done ? await finishes.Send(http, change) : await workers.Ask<ChangeJob, JobChangeResult>(http, change);
        return result.Problem is { } problem ? QueueHttp.Problem(problem) : QueueHttp.Empty();
    }

    static async Task<IResult> Delete(HttpContext http, string type, string requestId, IRequestClient<DeleteJob> workers)
    {
        if (JobSubmission.CheckType(type) is { } badType)
            return badType;
        var result = await workers.Ask<DeleteJob, JobChangeResult>(http, new(type, requestId, QueueHttp.OwnerScope(http)));
        return result.Problem is { } problem ? QueueHttp.Problem(problem) : QueueHttp.Empty();
    }

    static async Task<IResult> Resend(HttpContext http, string type, string requestId, IRequestClient<ResendCallback> workers)
    {
        if (JobSubmission.CheckType(type) is { } badType)
            return badType;
        var result = await workers.Ask<ResendCallback, JobChangeResult>(http, new(type, requestId, QueueHttp.OwnerScope(http)));
        return result.Problem is { } problem ? QueueHttp.Problem(problem) : QueueHttp.Empty();
    }
}
