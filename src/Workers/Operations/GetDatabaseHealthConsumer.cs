using Contracts.Operations;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workers.Data;

namespace Workers.Operations;

/// <summary>Answers the Api's readiness probe: can this worker reach the database right now?</summary>
public sealed class GetDatabaseHealthConsumer(ServiceDb db, IOptions<DatabaseOptions> options) : IConsumer<GetDatabaseHealth>
{
    public async Task Consume(ConsumeContext<GetDatabaseHealth> context)
    {
        var provider = options.Value.Provider;
        try
        {
            var reachable = await db.Database.CanConnectAsync(context.CancellationToken);
            await context.RespondAsync(new DatabaseHealth(reachable, provider, reachable ? null : "cannot connect"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await context.RespondAsync(new DatabaseHealth(false, provider, e.Message));
        }
    }
}
