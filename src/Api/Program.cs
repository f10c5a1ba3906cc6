using Api.Http;
using Api.Operations;
using Api.Placement;
using Api.Queue;
using Workers;
using Workers.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceLogging();
builder.AddEdge();

// Embedded mode: the workers run in this process, on this process's one bus (the in-memory transport requires it).
var inMemoryBus = builder.Configuration["Bus:Transport"] is null or "InMemory";
var inProcessWorkers = builder.Configuration.GetValue("Workers:InProcess", inMemoryBus);
if (inMemoryBus && !inProcessWorkers)
    throw new InvalidOperationException("Bus:Transport InMemory needs Workers:InProcess true: no other process can reach an in-memory bus.");
if (inProcessWorkers)
    builder.AddWorkers();
builder.AddServiceBus(bus =>
{
    if (inProcessWorkers)
        bus.AddWorkerConsumers();
});

var app = builder.Build();
app.UseMiddleware<RequestIds>();
app.UseMiddleware<Unavailable>();
app.UseMiddleware<Authentication>();
app.UseWhen(http => http.Request.Path.StartsWithSegments(PlacementGate.Prefix), placement => placement.UseMiddleware<PlacementGate>());
app.UseWhen(http => http.Request.Path.StartsWithSegments(QueueGate.Prefix), queue => queue.UseMiddleware<QueueGate>());
app.UseRouting();
app.MapHealth();
app.MapPlacement();
app.MapQueue();
app.MapOpenApi("/openapi/{documentName}.json");
app.Run();
