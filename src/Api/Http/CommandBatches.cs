using System.Threading.Channels;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Api.Http;

/// <summary>
/// Gathers concurrent commands of one kind into batch messages. With a send slot free a command leaves at once (a
/// batch of one); while all slots are busy, commands wait and leave together with the next free slot. So an idle
/// service adds no delay, and a busy one carries many commands per message and per database transaction: the broker
/// and the database cost per message, not per command. Each command still gets its own answer, or a 503 when none
/// arrives within <c>Api:RequestTimeout</c>.
/// </summary>
public abstract class CommandBatches<TCommand, TResult, TBatch, TBatchResult>(
    IClientFactory clients, IOptions<ApiOptions> options, ILogger logger) : IDisposable
    where TBatch : class where TBatchResult : class
{
    /// <summary>Batches on their way at once: enough to keep two workers busy while answers travel back.</summary>
    const int SendSlots = 2;
    const int MaxBatch = 64;

    /// <summary>One command of a batch: <paramref name="CommandId"/> is its inbox key, <paramref name="RequestId"/>
    /// the HTTP request's id for the worker's log lines.</summary>
    protected sealed record Item(Guid CommandId, string RequestId, TCommand Command);

    sealed record Pending(Item Item, TaskCompletionSource<TResult> Answer);

    readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>(new() { SingleReader = true });
    readonly SemaphoreSlim slots = new(SendSlots);
    readonly CancellationTokenSource stopping = new();
    readonly Lock start = new();
    Task? pump;

    /// <summary>What the batches carry, for the log: "allocation writes", say.</summary>
    protected abstract string Kind { get; }

    protected abstract TBatch Batch(IReadOnlyList<Item> items);

    protected abstract IEnumerable<(Guid CommandId, TResult Result)> Answers(TBatchResult result);

    public async Task<TResult> Send(HttpContext http, TCommand command)
    {
        var pending = new Pending(new(Guid.NewGuid(), http.TraceIdentifier, command),
            new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        EnsurePump();
        queue.Writer.TryWrite(pending);
        var timeout = options.Value.RequestTimeout;
        try
        {
            return await pending.Answer.Task.WaitAsync(timeout, http.RequestAborted);
        }
        catch (TimeoutException e)
        {
            throw new ServiceUnavailableException($"No answer from the workers within {timeout.TotalSeconds:0.#} s.", e);
        }
    }

    void EnsurePump()
    {
        lock (start)
            pump ??= Task.Run(Pump);
    }

    async Task Pump()
    {
        var client = clients.CreateRequestClient<TBatch>(RequestTimeout.After(ms: (int)options.Value.RequestTimeout.TotalMilliseconds));
        while (await queue.Reader.WaitToReadAsync(stopping.Token))
        {
            await slots.WaitAsync(stopping.Token);
            var batch = new List<Pending>();
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var next))
                batch.Add(next);
            if (batch.Count == 0)
            {
                slots.Release();
                continue;
            }
            _ = Send(client, batch);
        }
    }

    async Task Send(IRequestClient<TBatch> client, List<Pending> batch)
    {
        try
        {
            using var deadline = new CancellationTokenSource(options.Value.RequestTimeout);
            var sent = System.Diagnostics.Stopwatch.GetTimestamp();
            var response = await client.GetResponse<TBatchResult>(Batch(batch.Select(p => p.Item).ToList()), deadline.Token);
            var answers = Answers(response.Message).ToDictionary(a => a.CommandId, a => a.Result);
            logger.LogDebug("A batch of {Count} {Kind} answered in {RoundTripMs:0.0} ms", batch.Count, Kind,
                System.Diagnostics.Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            foreach (var pending in batch)
                pending.Answer.TrySetResult(answers[pending.Item.CommandId]);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "A batch of {Count} {Kind} got no answer", batch.Count, Kind);
            foreach (var pending in batch)
                pending.Answer.TrySetException(new ServiceUnavailableException("No answer from the workers.", e));
        }
        finally
        {
            slots.Release();
        }
    }

    public void Dispose()
    {
        stopping.Cancel();
        queue.Writer.TryComplete();
    }
}
