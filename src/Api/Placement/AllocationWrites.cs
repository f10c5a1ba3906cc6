using System.Threading.Channels;
using Api.Http;
using Contracts.Placement;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Api.Placement;

/// <summary>
/// Gathers concurrent allocation writes into <see cref="SetAllocationsBatch"/> messages. With a send slot free a write
/// leaves at once (a batch of one); while all slots are busy, writes wait and leave together with the next free slot.
/// So an idle service adds no delay, and a busy one carries many writes per message and per database transaction:
/// the broker and the database cost per message, not per write. Each write still gets its own answer, or a 503
/// when none arrives within <c>Api:RequestTimeout</c>.
/// </summary>
public sealed class AllocationWrites(IClientFactory clients, IOptions<ApiOptions> options, ILogger<AllocationWrites> logger) : IDisposable
{
    /// <summary>Batches on their way at once: enough to keep two workers busy while answers travel back.</summary>
    const int SendSlots = 2;
    const int MaxBatch = 64;

    sealed record Pending(SetAllocationsBatch.Item Item, TaskCompletionSource<AllocationsResult> Answer);

    readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>(new() { SingleReader = true });
    readonly SemaphoreSlim slots = new(SendSlots);
    readonly CancellationTokenSource stopping = new();
    readonly Lock start = new();
    Task? pump;

    public async Task<AllocationsResult> Write(HttpContext http, SetAllocations command)
    {
        var pending = new Pending(new(Guid.NewGuid(), http.TraceIdentifier, command),
            new TaskCompletionSource<AllocationsResult>(TaskCreationOptions.RunContinuationsAsynchronously));
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
        var client = clients.CreateRequestClient<SetAllocationsBatch>(RequestTimeout.After(ms: (int)options.Value.RequestTimeout.TotalMilliseconds));
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

    async Task Send(IRequestClient<SetAllocationsBatch> client, List<Pending> batch)
    {
        try
        {
            using var deadline = new CancellationTokenSource(options.Value.RequestTimeout);
            var sent = System.Diagnostics.Stopwatch.GetTimestamp();
            var response = await client.GetResponse<SetAllocationsBatchResult>(new SetAllocationsBatch(batch.Select(p => p.Item).ToList()), deadline.Token);
            var answers = response.Message.Items.ToDictionary(i => i.CommandId, i => i.Result);
            logger.LogDebug("A batch of {Count} allocation writes answered in {RoundTripMs:0.0} ms", batch.Count,
                System.Diagnostics.Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            foreach (var pending in batch)
                pending.Answer.TrySetResult(answers[pending.Item.CommandId]);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "A batch of {Count} allocation writes got no answer", batch.Count);
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
