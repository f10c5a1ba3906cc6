using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;
using static Workers.Data.PostgresBatches;

namespace Workers.Inbox;

/// <summary>
/// Applies a command at most once per message id. The command's effect and its inbox row (with the response)
/// commit in one transaction; a redelivery of the same message, to this worker or another, finds the row and gets
/// the stored response back without touching anything else.
/// <para>
/// A first attempt does not look for the row: redeliveries of applied commands are rare (a worker stopped between
/// its commit and its acknowledgement), and such a command's attempt meets the row's key at the commit, which rolls
/// everything back. The next attempt looks first and answers from the row. So a command costs no round trip for the
/// check, and on PostgreSQL its row goes with the commit.
/// </para>
/// </summary>
public sealed class Inbox(ServiceDb db, TimeProvider clock, WorkerFaults faults, ILogger<Inbox> logger)
{
    // A constraint violation means a concurrent transaction committed first (the same message on another worker,
    // or a competing writer), or the message was applied before; a fresh attempt sees the commit. The first attempt
    // may meet the message's own earlier row, and three more end any race.
    const int Attempts = 4;

    /// <summary>
    /// Whether an attempt's failure calls for another, which looks for the inbox row first: any failure of the first
    /// attempt (a command applied before may fail in ways of its own when applied again), a constraint violation of
    /// a later one.
    /// </summary>
    static bool TryAgain(Exception e, int attempt) =>
        e is not OperationCanceledException && (attempt == 1 || attempt < Attempts && DbErrors.IsConstraintViolation(e));

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
            db.Reset();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            try
            {
                if (attempt > 1 && await db.Inbox.AsNoTracking().SingleOrDefaultAsync(x => x.MessageId == messageId, ct) is { } stored)
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
                    db.Reset();
                    await using var answerOnly = await db.Database.BeginTransactionAsync(ct);
                    Record<TMessage, TResponse>([messageId], [response]);
                    await db.Commit(answerOnly, ct);
                    faults.AfterCommit(typeof(TMessage).Name);
                    return response;
                }
                Record<TMessage, TResponse>([messageId], [response]);
                await db.Commit(transaction, ct);
                faults.AfterCommit(typeof(TMessage).Name);
                return response;
            }
            catch (Exception e) when (TryAgain(e, attempt))
            {
                logger.LogInformation(
                    "Message {MessageId} met a concurrent commit or was applied before (attempt {Attempt}: {Failure}); trying again",
                    messageId, attempt, e.Message);
            }
        }
    }

    /// <summary>
    /// The commands' inbox rows, written with the commit: on PostgreSQL one statement in the commit's round trip, on
    /// other providers staged for the commit's SaveChanges.
    /// </summary>
    void Record<TMessage, TResponse>(Guid[] ids, TResponse[] responses)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var json = responses.Select(r => JsonSerializer.Serialize(r)).ToArray();
        if (db.Database.IsNpgsql())
        {
            db.WriteWithCommit(Statement("""
                INSERT INTO inbox (message_id, message_type, response_type, response_json, received_at)
                SELECT m, $1, $2, r, $3 FROM unnest($4::uuid[], $5::text[]) AS v(m, r)
                """, Value(typeof(TMessage).Name), Value(typeof(TResponse).Name), Instant(now), Values(ids), Values(json)));
            return;
        }
        db.Inbox.AddRange(ids.Zip(json, (id, response) => new InboxRecord
        {
            MessageId = id, MessageType = typeof(TMessage).Name, ResponseType = typeof(TResponse).Name,
            ResponseJson = response, ReceivedAt = now,
        }));
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
            db.Reset();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            try
            {
                var answers = attempt == 1
                    ? []
                    : (await db.Inbox.AsNoTracking().Where(x => commandIds.Contains(x.MessageId)).ToListAsync(ct))
                        .ToDictionary(x => x.MessageId, x => JsonSerializer.Deserialize<TResponse>(x.ResponseJson)!);
                if (answers.Count > 0)
                    logger.LogInformation("{Count} of the {Total} commands of message {MessageId} were already applied; answering their stored responses",
                        answers.Count, commandIds.Count, context.MessageId);
                var pending = commandIds.Where(id => !answers.ContainsKey(id)).ToHashSet();
                if (pending.Count == 0)
                    return answers;

                var results = await apply(pending, ct);
                var ids = pending.ToArray();
                foreach (var id in ids)
                    answers[id] = results[id];
                Record<TMessage, TResponse>(ids, ids.Select(id => results[id]).ToArray());
                await db.Commit(transaction, ct);
                faults.AfterCommit(typeof(TMessage).Name);
                return answers;
            }
            catch (Exception e) when (TryAgain(e, attempt))
            {
                logger.LogInformation(
                    "Message {MessageId} met a concurrent commit or was applied before (attempt {Attempt}: {Failure}); trying again",
                    context.MessageId, attempt, e.Message);
            }
        }
    }
}
