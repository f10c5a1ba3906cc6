using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Inbox;

/// <summary>
/// Applies a command at most once per message id. The command's effect and its inbox row (with the response)
/// commit in one transaction; a redelivery of the same message, to this worker or another, finds the row and gets
/// the stored response back without touching anything else.
/// </summary>
public sealed class Inbox(ServiceDb db, TimeProvider clock, WorkerFaults faults, ILogger<Inbox> logger)
{
    // A constraint violation means a concurrent transaction committed first (the same message on another worker,
    // or a competing writer); a fresh attempt sees its commit. Three attempts end any such race.
    const int Attempts = 3;

    /// <param name="refused">Whether a response refuses the command: its partial effects (a generation already
    /// bumped, rows already written) are rolled back, and only the answer is kept for redeliveries.</param>
    public async Task<TResponse> Apply<TMessage, TResponse>(
        ConsumeContext<TMessage> context, Func<CancellationToken, Task<TResponse>> apply, Func<TResponse, bool>? refused = null)
        where TMessage : class where TResponse : class
    {
        var messageId = context.MessageId ?? throw new InvalidOperationException("A command must carry a message id.");
        var ct = context.CancellationToken;
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            try
            {
                var stored = await db.Inbox.AsNoTracking().SingleOrDefaultAsync(x => x.MessageId == messageId, ct);
                if (stored is not null)
                {
                    logger.LogInformation("Message {MessageId} ({MessageType}) was already applied; answering its stored response",
                        messageId, stored.MessageType);
                    return JsonSerializer.Deserialize<TResponse>(stored.ResponseJson)!;
                }

                var response = await apply(ct);
                if (refused?.Invoke(response) == true)
                {
                    // None of a refused command's partial effects stay: they go with this transaction, and the answer
                    // is recorded alone in a fresh one. (Refusals are the rare case, so no command pays for a
                    // savepoint.) A concurrent commit of the same message meets the inbox's key and is retried.
                    await transaction.RollbackAsync(ct);
                    db.ChangeTracker.Clear();
                    await using var answerOnly = await db.Database.BeginTransactionAsync(ct);
                    await Record<TMessage, TResponse>(messageId, response, ct);
                    await answerOnly.CommitAsync(ct);
                    faults.AfterCommit(typeof(TMessage).Name);
                    return response;
                }
                await Record<TMessage, TResponse>(messageId, response, ct);
                await transaction.CommitAsync(ct);
                faults.AfterCommit(typeof(TMessage).Name);
                return response;
            }
            catch (Exception e) when (attempt < Attempts && DbErrors.IsConstraintViolation(e))
            {
                logger.LogInformation("Message {MessageId} met a concurrent commit (attempt {Attempt}); retrying", messageId, attempt);
            }
        }
    }

    /// <summary>The command's inbox row, saved with whatever else the context has staged.</summary>
    async Task Record<TMessage, TResponse>(Guid messageId, TResponse response, CancellationToken ct)
    {
        db.Inbox.Add(new InboxRecord
        {
            MessageId = messageId,
            MessageType = typeof(TMessage).Name,
            ResponseType = typeof(TResponse).Name,
            ResponseJson = JsonSerializer.Serialize(response),
            ReceivedAt = clock.GetUtcNow().UtcDateTime,
        });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Several commands carried by one message, each with its own id: those already applied are answered from the
    /// inbox; the others are applied together by <paramref name="apply"/>, in one transaction, and each recorded with
    /// its own answer. <paramref name="apply"/> must leave no effect for a command it refuses.
    /// </summary>
    public async Task<Dictionary<Guid, TResponse>> ApplyMany<TMessage, TResponse>(ConsumeContext<TMessage> context,
        IReadOnlyList<Guid> commandIds, Func<IReadOnlySet<Guid>, CancellationToken, Task<Dictionary<Guid, TResponse>>> apply)
        where TMessage : class where TResponse : class
    {
        var ct = context.CancellationToken;
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            try
            {
                var answers = (await db.Inbox.AsNoTracking().Where(x => commandIds.Contains(x.MessageId)).ToListAsync(ct))
                    .ToDictionary(x => x.MessageId, x => JsonSerializer.Deserialize<TResponse>(x.ResponseJson)!);
                if (answers.Count > 0)
                    logger.LogInformation("{Count} of the {Total} commands of message {MessageId} were already applied; answering their stored responses",
                        answers.Count, commandIds.Count, context.MessageId);
                var pending = commandIds.Where(id => !answers.ContainsKey(id)).ToHashSet();
                if (pending.Count == 0)
                    return answers;

                var results = await apply(pending, ct);
                var now = clock.GetUtcNow().UtcDateTime;
                var ids = pending.ToArray();
                var responses = ids.Select(id => JsonSerializer.Serialize(results[id])).ToArray();
                foreach (var id in ids)
                    answers[id] = results[id];
                await db.SaveChangesAsync(ct);
                if (db.Database.IsNpgsql())
                    // One statement for every command's row, whatever their number.
                    await db.Database.ExecuteSqlAsync($"""
                        INSERT INTO inbox (message_id, message_type, response_type, response_json, received_at)
                        SELECT m, {typeof(TMessage).Name}, {typeof(TResponse).Name}, r, {now} FROM unnest({ids}, {responses}) AS v(m, r)
                        """, ct);
                else
                {
                    db.Inbox.AddRange(ids.Zip(responses, (id, response) => new InboxRecord
                    {
                        MessageId = id, MessageType = typeof(TMessage).Name, ResponseType = typeof(TResponse).Name,
                        ResponseJson = response, ReceivedAt = now,
                    }));
                    await db.SaveChangesAsync(ct);
                }
                await transaction.CommitAsync(ct);
                faults.AfterCommit(typeof(TMessage).Name);
                return answers;
            }
            catch (Exception e) when (attempt < Attempts && DbErrors.IsConstraintViolation(e))
            {
                logger.LogInformation("Message {MessageId} met a concurrent commit (attempt {Attempt}); retrying", context.MessageId, attempt);
            }
        }
    }
}
