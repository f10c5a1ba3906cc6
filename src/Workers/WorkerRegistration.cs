using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Quartz;
using Workers.Callbacks;
using Workers.Data;
using Workers.Inbox;
using Workers.Operations;
using Workers.Placement;
using Workers.Queue;

namespace Workers;

public static class WorkerRegistration
{
    /// <summary>
    /// Everything a worker runs besides its consumers: the database and its start-up migration, the inbox, and the
    /// Quartz jobs. Register before the bus so the schema is current before the first message is consumed.
    /// </summary>
    public static IHostApplicationBuilder AddWorkers(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<TimeProvider, MicrosecondClock>();
        builder.AddServiceDatabase();
        builder.Services.AddScoped<Inbox.Inbox>();
        builder.Services.AddScoped<AllocationWriter>();
        builder.Services.AddSingleton<PlacementIds>();
        builder.Services.AddSingleton<WorkerFaults>();
        builder.Services.AddOptions<WorkerFaultOptions>().BindConfiguration(WorkerFaultOptions.Section);
        builder.Services.AddOptions<QueueOptions>().BindConfiguration(QueueOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<InboxOptions>().BindConfiguration(InboxOptions.Section).ValidateOnStart();
        builder.AddCallbacks();
        builder.Services.AddSingleton<WorkerIdentity>();
        builder.Services.AddSingleton<AdmissionSignal>();
        builder.Services.AddScoped<AdmissionPass>();
        builder.Services.AddSingleton<AdmissionCache>();
        builder.Services.AddSingleton<CloudCache>();
        builder.Services.AddHostedService<AdmissionLoop>();
        builder.Services.AddSingleton<CapacityAnnouncer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CapacityAnnouncer>());
        builder.Services.AddSingleton<CallbackDispatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CallbackDispatcher>());

        builder.Services.AddQuartz(q =>
        {
            q.AddJob<PruneInbox>(j => j.WithIdentity(PruneInbox.Key));
            q.AddTrigger(t => t.ForJob(PruneInbox.Key).WithIdentity($"{PruneInbox.Key.Name}-hourly")
                .StartNow().WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromHours(1)).RepeatForever()));
            q.AddJob<RefreshStatistics>(j => j.WithIdentity(RefreshStatistics.Key));
            q.AddTrigger(t => t.ForJob(RefreshStatistics.Key).WithIdentity($"{RefreshStatistics.Key.Name}-interval")
                .StartNow().WithSimpleSchedule(s => s.WithInterval(RefreshStatistics.Interval).RepeatForever()));
            var sweep = builder.Configuration.GetSection(QueueOptions.Section).GetValue(nameof(QueueOptions.SweepInterval), TimeSpan.FromSeconds(5));
            q.AddJob<QueueSweep>(j => j.WithIdentity(QueueSweep.Key));
            q.AddTrigger(t => t.ForJob(QueueSweep.Key).WithIdentity($"{QueueSweep.Key.Name}-interval")
                .StartNow().WithSimpleSchedule(s => s.WithInterval(sweep > TimeSpan.Zero ? sweep : TimeSpan.FromSeconds(5)).RepeatForever()));
        });
        builder.Services.AddQuartzHostedService(q => q.WaitForJobsToComplete = true);
        return builder;
    }

    /// <summary>The workers' consumers, for the workers' own bus or, embedded, the Api's.</summary>
    public static IBusRegistrationConfigurator AddWorkerConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<CreateResourceProviderConsumer>();
        bus.AddConsumer<UpdateResourceProviderConsumer>();
        bus.AddConsumer<DeleteResourceProviderConsumer>();
        bus.AddConsumer<GetResourceProviderConsumer>();
        bus.AddConsumer<ListResourceProvidersConsumer>();
        bus.AddConsumer<GetInventoriesConsumer>();
        bus.AddConsumer<SetInventoriesConsumer>();
        bus.AddConsumer<CreateInventoryConsumer>();
        bus.AddConsumer<UpdateInventoryConsumer>();
        bus.AddConsumer<DeleteInventoryConsumer>();
        bus.AddConsumer<ListTraitsConsumer>();
        bus.AddConsumer<GetTraitConsumer>();
        bus.AddConsumer<EnsureTraitConsumer>();
        bus.AddConsumer<DeleteTraitConsumer>();
        bus.AddConsumer<GetProviderTraitsConsumer>();
        bus.AddConsumer<SetProviderTraitsConsumer>();
        bus.AddConsumer<GetProviderAggregatesConsumer>();
        bus.AddConsumer<SetProviderAggregatesConsumer>();
        bus.AddConsumer<ListResourceClassesConsumer>();
        bus.AddConsumer<GetResourceClassConsumer>();
        bus.AddConsumer<CreateResourceClassConsumer>();
        bus.AddConsumer<EnsureResourceClassConsumer>();
        bus.AddConsumer<RenameResourceClassConsumer>();
        bus.AddConsumer<DeleteResourceClassConsumer>();
        bus.AddConsumer<GetProviderUsagesConsumer>();
        bus.AddConsumer<GetTotalUsagesConsumer>();
        bus.AddConsumer<SetAllocationsBatchConsumer>();
        bus.AddConsumer<DeleteAllocationsConsumer>();
        bus.AddConsumer<GetConsumerAllocationsConsumer>();
        bus.AddConsumer<GetProviderAllocationsConsumer>();
        bus.AddConsumer<ReshapeConsumer>();
        bus.AddConsumer<SubmitJobConsumer>();
        bus.AddConsumer<GetJobConsumer>();
        bus.AddConsumer<ListJobsConsumer>();
        bus.AddConsumer<ListQueueTypesConsumer>();
        bus.AddConsumer<ChangeJobConsumer>();
        bus.AddConsumer<FinishJobsBatchConsumer>();
        bus.AddConsumer<DeleteJobConsumer>();
        bus.AddConsumer<ResendCallbackConsumer>();
        bus.AddConsumer<CapacityFreedConsumer>();
        bus.AddConsumer<QueueChangedConsumer>();
        bus.AddPublishObserver<LocalAdmissionWake>();
        bus.AddConsumer<GetDatabaseHealthConsumer>();
        return bus;
    }
}
