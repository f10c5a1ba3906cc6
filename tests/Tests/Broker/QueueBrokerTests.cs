using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tests.Callbacks;
using Tests.Hosts;
using Xunit.Abstractions;

namespace Tests.Broker;

/// <summary>
/// The job queue in the production shape: the Api and Workers as separate processes on RabbitMQ and PostgreSQL,
/// callbacks to a real receiver on loopback, workers killed with SIGKILL.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class QueueBrokerTests(ITestOutputHelper output)
{
    const string Delivery = "X-Queue-Delivery";

    [Fact]
    public async Task A_job_submitted_through_the_Api_is_admitted_by_one_of_two_worker_processes_and_called_back()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var deployment = await SplitDeployment.Create("queue-admit");
        // A delivered first attempt logs at Debug: the workers say which of them sent it.
        var workerSettings = Settings(("Serilog__MinimumLevel__Override__Workers.Callbacks.CallbackDispatcher", "Debug"));
        var workers = new[] { deployment.StartWorker(workerSettings), deployment.StartWorker(workerSettings) };
        await deployment.StartApi(Settings());
        var cloud = new QueueCloud(deployment);
        var host = await cloud.CreateHost("host-a", vcpu: 8, memoryMb: 16384, diskGb: 100);

        var submittedAt = DateTimeOffset.UtcNow;
        var (status, submitted) = await cloud.Submit("vm", QueueCloud.JobBody("first", receiver.Url("/jobs/first"), (2, 1024, 10)));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("queued", submitted.GetProperty("Status").GetString());
        var server = submitted.GetProperty("Instances")[0].GetProperty("ServerUUID").GetGuid();

        var callback = await Eventually(() => receiver.Requests.FirstOrDefault(), TimeSpan.FromSeconds(30), "the job.admitted callback", deployment);
        Assert.Equal("POST", callback.Method);
        Assert.Equal("/jobs/first", callback.Path);
        Assert.StartsWith("application/json", callback.Headers["Content-Type"]);
        var delivery = Guid.Parse(callback.Headers[Delivery]);
        var timestamp = DateTimeOffset.FromUnixTimeSeconds(long.Parse(callback.Headers["X-Queue-Timestamp"]));
        Assert.InRange(timestamp, submittedAt.AddSeconds(-2), DateTimeOffset.UtcNow.AddSeconds(2));
        Assert.False(callback.Headers.ContainsKey("X-Queue-Signature"));

        var body = JsonDocument.Parse(callback.Body).RootElement;
        Assert.Equal("job.admitted", body.GetProperty("event").GetString());
        var job = body.GetProperty("data");
        Assert.Equal(submitted.GetProperty("ID").GetInt64(), job.GetProperty("ID").GetInt64());
        Assert.Equal("first", job.GetProperty("RequestID").GetString());
        Assert.Equal("vm", job.GetProperty("Type").GetString());
        Assert.Equal("running", job.GetProperty("Status").GetString());
        Assert.Equal(JsonValueKind.String, job.GetProperty("AdmittedAt").ValueKind);
        var instance = job.GetProperty("Instances").EnumerateArray().Single();
        Assert.Equal(server, instance.GetProperty("ServerUUID").GetGuid());
        Assert.Equal("host-a", instance.GetProperty("Host").GetString());
        Assert.Equal(host, instance.GetProperty("ResourceProvider").GetGuid());
        var resources = instance.GetProperty("Resources");
        Assert.Equal(2, resources.GetProperty("VCPU").GetInt32());
        Assert.Equal(1024, resources.GetProperty("MEMORY_MB").GetInt32());
        Assert.Equal(10, resources.GetProperty("DISK_GB").GetInt32());

        // The attempt is recorded after the receiver answered: the job shows the same delivery, delivered once.
        var shown = await Eventually(async () =>
        {
            var current = await cloud.Job("vm", "first");
            return current.GetProperty("CallbackDelivery").GetProperty("State").GetString() == "delivered" ? current : (JsonElement?)null;
        }, TimeSpan.FromSeconds(10), "the delivery recorded as delivered", deployment);
        Assert.Equal("running", shown.GetProperty("Status").GetString());
        Assert.Equal(delivery, shown.GetProperty("CallbackDelivery").GetProperty("ID").GetGuid());
        Assert.Equal(1, shown.GetProperty("CallbackDelivery").GetProperty("Attempts").GetInt32());
        Assert.Single(receiver.Requests);

        // The claim is the instance's Placement allocations on the host, and the job has one delivery.
        var allocations = await cloud.Rows($"""
            SELECT rc.name, a.used FROM allocations a
            JOIN resource_classes rc ON rc.id = a.resource_class_id JOIN resource_providers p ON p.id = a.resource_provider_id
            WHERE a.consumer_uuid = '{server}' AND p.uuid = '{host}' ORDER BY rc.name
            """);
        Assert.Equal(["DISK_GB=10", "MEMORY_MB=1024", "VCPU=2"], allocations.Select(r => $"{r[0]}={r[1]}"));
        Assert.Equal(3L, await cloud.Count("SELECT count(*) FROM allocations"));
        Assert.Equal(1L, await cloud.Count("SELECT count(*) FROM callback_deliveries"));
        // One worker process sent it; the other had nothing to do with this delivery.
        Assert.Single(workers, w => w.Output.Contains(delivery.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Releasing_a_running_job_admits_the_next_job_at_once_without_waiting_for_the_sweep()
    {
        var arrivals = new ConcurrentDictionary<string, DateTime>();
        await using var receiver = await CallbackReceiver.Start(context =>
        {
            arrivals.TryAdd(context.Request.Path.Value!, DateTime.UtcNow);
            context.Response.StatusCode = 200;
            return Task.CompletedTask;
        });
        await using var deployment = await SplitDeployment.Create("queue-release");
        // A sweep a minute apart (its first run is at start, before any job): only the release's event can wake admission.
        var settings = Settings(("Queue__SweepInterval", "00:01:00"));
        deployment.StartWorker(settings);
        deployment.StartWorker(settings);
        await deployment.StartApi(settings);
        var cloud = new QueueCloud(deployment);
        await cloud.CreateHost("only-host", vcpu: 4, memoryMb: 8192, diskGb: 40);

        // Each job takes the whole host, so each release lets exactly the next one in.
        const int Jobs = 7;
        var names = Enumerable.Range(0, Jobs).Select(i => $"job-{i}").ToList();
        await cloud.Submit("vm", QueueCloud.JobBody(names[0], receiver.Url($"/jobs/{names[0]}"), (4, 1024, 10)));
        await Eventually(() => arrivals.ContainsKey($"/jobs/{names[0]}") ? true : (bool?)null, TimeSpan.FromSeconds(30), "the first job's callback", deployment);
        foreach (var name in names.Skip(1))
            await cloud.Submit("vm", QueueCloud.JobBody(name, receiver.Url($"/jobs/{name}"), (4, 1024, 10)));
        var waiting = await Eventually(async () =>
        {
            var last = await cloud.Job("vm", names[^1]);
            return last.GetProperty("Reason").ValueKind == JsonValueKind.String ? last : (JsonElement?)null;
        }, TimeSpan.FromSeconds(30), "the last job planned and left waiting", deployment);
        Assert.Equal("queued", waiting.GetProperty("Status").GetString());

        var latencies = new List<TimeSpan>();
        for (var i = 0; i < Jobs - 1; i++)
        {
            var (running, next) = (names[i], names[i + 1]);
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            Assert.False(arrivals.ContainsKey($"/jobs/{next}"), $"{next} was called back while {running} still held the host");
            Assert.Equal("running", (await cloud.Job("vm", running)).GetProperty("Status").GetString());
            Assert.Equal("queued", (await cloud.Job("vm", next)).GetProperty("Status").GetString());

            // Finished and deleted jobs alike give the host back.
            var release = i % 2 == 0 ? "done" : "delete";
            var releasedAt = DateTime.UtcNow;
            var response = release == "done"
                ? await deployment.Client!.PostAsync($"/v1/vm/{running}", new StringContent("""{"status":"done"}""", System.Text.Encoding.UTF8, "application/json"))
                : await deployment.Client!.DeleteAsync($"/v1/vm/{running}");
            var answered = DateTime.UtcNow - releasedAt;
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            var arrived = await Eventually(() => arrivals.TryGetValue($"/jobs/{next}", out var at) ? at : (DateTime?)null,
                TimeSpan.FromSeconds(30), $"{next}'s callback", deployment);
            latencies.Add(arrived - releasedAt);
            output.WriteLine($"{running} released ({release}), answered in {answered.TotalMilliseconds:F0} ms; {next} called back {(arrived - releasedAt).TotalMilliseconds:F0} ms after the request");
            Assert.Equal(release == "done" ? "done" : "deleted", await Status(cloud, "vm", running));
        }

        // The first two releases also warm up both workers' admission code (a cold process compiles its queries then);
        // even they stay far below the sweep's minute.
        Assert.All(latencies.Take(2), l => Assert.True(l < TimeSpan.FromSeconds(15), $"a release took {l.TotalMilliseconds:F0} ms to admit the next job"));
        Assert.All(latencies.Skip(2), l => Assert.True(l < TimeSpan.FromSeconds(2),
            $"a release took {l.TotalMilliseconds:F0} ms to admit the next job (all: {string.Join(", ", latencies.Select(x => $"{x.TotalMilliseconds:F0}"))} ms)\n{Tail(deployment.Logs)}"));
        var lastServer = (await cloud.Job("vm", names[^1])).GetProperty("Instances")[0].GetProperty("ServerUUID").GetGuid();
        Assert.Equal(3L, await cloud.Count("SELECT count(*) FROM allocations"));
        Assert.Equal(3L, await cloud.Count($"SELECT count(*) FROM allocations WHERE consumer_uuid = '{lastServer}'"));
    }

    [Fact]
    public async Task A_callback_that_fails_twice_gets_three_attempts_with_one_delivery_id_across_a_worker_killed_between_attempts()
    {
        var answered = 0;
        await using var receiver = await CallbackReceiver.Start(context =>
        {
            switch (Interlocked.Increment(ref answered))
            {
                case 1:
                    // A pause before the retry long enough to kill the worker between the two attempts.
                    context.Response.Headers.RetryAfter = "4";
                    context.Response.StatusCode = 503;
                    break;
                case 2:
                    context.Response.StatusCode = 503;
                    break;
                default:
                    context.Response.StatusCode = 200;
                    break;
            }
            return Task.CompletedTask;
        });
        await using var deployment = await SplitDeployment.Create("queue-retry");
        var settings = Settings(("Callbacks__Timeout", "00:00:02"));
        var first = deployment.StartWorker(settings);
        await deployment.StartApi(settings);
        var cloud = new QueueCloud(deployment);
        await cloud.CreateHost("host-a", vcpu: 4, memoryMb: 8192, diskGb: 40);

        await cloud.Submit("vm", QueueCloud.JobBody("retried", receiver.Url("/jobs/retried"), (1, 512, 1)));
        // The first attempt failed and its worker recorded it: one attempt, due again later, held by nobody.
        var recorded = await Eventually(async () =>
        {
            var rows = await cloud.Rows("SELECT id, attempts, claimed_by, next_attempt_at, state FROM callback_deliveries");
            return rows.Count == 1 && (int)rows[0][1]! == 1 ? rows[0] : null;
        }, TimeSpan.FromSeconds(30), "the first attempt recorded", deployment);
        Assert.Null(recorded[2]);
        Assert.Equal("pending", recorded[4]);
        await first.Kill();
        Assert.Single(receiver.Requests);

        var second = deployment.StartWorker(settings);
        await Eventually(() => receiver.Requests.Count >= 3 ? true : (bool?)null, TimeSpan.FromSeconds(30), "the third attempt", deployment);
        var delivery = (Guid)recorded[0]!;
        var requests = receiver.Requests;
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal(delivery, Guid.Parse(r.Headers[Delivery])));
        Assert.All(requests, r => Assert.Equal("/jobs/retried", r.Path));
        // The body is the same event every time; only the attempt's timestamp changes.
        Assert.All(requests, r => Assert.Equal("job.admitted", JsonDocument.Parse(r.Body).RootElement.GetProperty("event").GetString()));

        var job = await Eventually(async () =>
        {
            var current = await cloud.Job("vm", "retried");
            return current.GetProperty("CallbackDelivery").GetProperty("State").GetString() == "delivered" ? current : (JsonElement?)null;
        }, TimeSpan.FromSeconds(10), "the delivery recorded as delivered", deployment);
        var shown = job.GetProperty("CallbackDelivery");
        Assert.Equal(delivery, shown.GetProperty("ID").GetGuid());
        Assert.Equal(3, shown.GetProperty("Attempts").GetInt32());
        Assert.Equal([503, 503, 200], shown.GetProperty("History").EnumerateArray().Select(a => a.GetProperty("Status").GetInt32()));
        // The killed worker made the first attempt; the new one the rest.
        Assert.Contains($"Callback delivery {delivery} attempt 1", first.Output);
        Assert.Contains($"Callback delivery {delivery} attempt 2", second.Output);
        Assert.Contains($"Callback delivery {delivery} attempt 3", second.Output);
        Assert.Equal(1L, await cloud.Count("SELECT count(*) FROM callback_deliveries"));
    }

    [Fact]
    public async Task A_delivery_whose_worker_is_killed_during_its_first_attempt_is_taken_over_with_the_same_delivery_id()
    {
        ServiceProcess? first = null;
        var answered = 0;
        await using var receiver = await CallbackReceiver.Start(async context =>
        {
            switch (Interlocked.Increment(ref answered))
            {
                case 1:
                    // The worker dies with the attempt in flight: it never learns the answer, nor records the attempt.
                    await first!.Kill();
                    context.Response.StatusCode = 503;
                    break;
                case 2:
                    context.Response.StatusCode = 503;
                    break;
                default:
                    context.Response.StatusCode = 200;
                    break;
            }
        });
        await using var deployment = await SplitDeployment.Create("queue-takeover");
        var settings = Settings(("Callbacks__Timeout", "00:00:02"));
        first = deployment.StartWorker(settings);
        await deployment.StartApi(settings);
        var cloud = new QueueCloud(deployment);
        await cloud.CreateHost("host-a", vcpu: 4, memoryMb: 8192, diskGb: 40);

        await cloud.Submit("vm", QueueCloud.JobBody("taken-over", receiver.Url("/jobs/taken-over"), (1, 512, 1)));
        await Eventually(() => first.HasExited ? true : (bool?)null, TimeSpan.FromSeconds(30), "the first attempt", deployment);
        var held = (await cloud.Rows("SELECT id, attempts, claimed_by, claimed_until FROM callback_deliveries")).Single();
        Assert.Equal(0, (int)held[1]!);
        Assert.NotNull(held[2]);
        Assert.NotNull(held[3]);

        var second = deployment.StartWorker(settings);
        // The lease (Callbacks:Timeout + 5 s) runs out, the new worker claims the row and tries twice more.
        await Eventually(() => receiver.Requests.Count >= 3 ? true : (bool?)null, TimeSpan.FromSeconds(40), "the third attempt", deployment);
        var delivery = (Guid)held[0]!;
        var requests = receiver.Requests;
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal(delivery, Guid.Parse(r.Headers[Delivery])));

        var job = await Eventually(async () =>
        {
            var current = await cloud.Job("vm", "taken-over");
            return current.GetProperty("CallbackDelivery").GetProperty("State").GetString() == "delivered" ? current : (JsonElement?)null;
        }, TimeSpan.FromSeconds(10), "the delivery recorded as delivered", deployment);
        var shown = job.GetProperty("CallbackDelivery");
        Assert.Equal(delivery, shown.GetProperty("ID").GetGuid());
        // The attempt cut short by the kill has no record: two recorded, three received (at least once).
        Assert.Equal(2, shown.GetProperty("Attempts").GetInt32());
        Assert.Equal([503, 200], shown.GetProperty("History").EnumerateArray().Select(a => a.GetProperty("Status").GetInt32()));
        Assert.Contains($"Callback delivery {delivery} attempt 2", second.Output);
        Assert.Equal(1L, await cloud.Count("SELECT count(*) FROM callback_deliveries"));
    }

    [Fact]
    public async Task Two_thousand_jobs_with_worker_processes_killed_again_and_again_are_each_admitted_once_within_capacity_and_called_back()
    {
        const int HostCount = 20, HostVcpu = 4, HostMemory = 4096, HostDisk = 20;
        const int JobCount = 2000, InFlight = 150;
        string[] types = ["vm", "kube", "batch", "hpc"];
        var jobs = Enumerable.Range(0, JobCount).Select(i => new SafetyJob(types[i % types.Length], $"job-{i:D4}",
            Enumerable.Repeat((1 + i / 4 % 2, 512 * (1 + i % 3), i % 5), i % 4 == 3 ? 2 : 1).ToArray())).ToList();
        var byPath = jobs.ToDictionary(j => j.Path);

        await using var receiver = await CallbackReceiver.Start(context =>
        {
            if (byPath.TryGetValue(context.Request.Path.Value!, out var job))
                job.CalledBack.TrySetResult();
            context.Response.StatusCode = 200;
            return Task.CompletedTask;
        });
        await using var deployment = await SplitDeployment.Create("queue-safety");
        // A short callback timeout keeps the delivery lease (timeout + 5 s) of a killed worker short; two of the
        // types run other policies than the default strict spread; MassTransit's information lines say when a
        // worker's bus has started.
        var settings = Settings(("Callbacks__Timeout", "00:00:02"),
            ("Queue__Types__batch__Policy", "backfill"), ("Queue__Types__hpc__Placement", "pack"),
            ("Serilog__MinimumLevel__Override__MassTransit", "Information"));
        var workers = new[] { deployment.StartWorker(settings), deployment.StartWorker(settings) };
        await deployment.StartApi(settings);
        var cloud = new QueueCloud(deployment);
        await Task.WhenAll(Enumerable.Range(0, HostCount).Select(i => cloud.CreateHost($"host-{i:D2}", HostVcpu, HostMemory, HostDisk)));

        var clock = Stopwatch.StartNew();
        // A worker is killed and a new one started in its place; 2 to 3 s after the new one is consuming, the other one
        // is killed, and so on: one worker at most is down at a time. (Killing faster than a worker starts would leave
        // none consuming at all on a loaded machine, where a start takes 5 to 30 s.)
        using var stop = new CancellationTokenSource();
        var kills = 0;
        var chaos = Task.Run(async () =>
        {
            var random = new Random(2000);
            for (var slot = 0; ; slot = 1 - slot)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(random.Next(2000, 3000)), stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                await workers[slot].Kill();
                kills++;
                var restart = Stopwatch.StartNew();
                workers[slot] = deployment.StartWorker(settings);
                await workers[slot].WaitForOutput("Bus started", TimeSpan.FromSeconds(120));
                output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: worker killed, its replacement consuming after {restart.Elapsed.TotalSeconds:F1} s");
            }
        });

        // While the run goes on: no provider over capacity, and allocations exactly for the instances of running jobs.
        var violations = new ConcurrentQueue<string>();
        var (samples, peakVcpu, peakQueued) = (0, 0L, 0L);
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var line in await cloud.Overcommitted())
                    violations.Enqueue(line);
                var row = (await cloud.Rows(SafetySample)).Single();
                if ((long)row[0]! + (long)row[1]! + (long)row[2]! > 0)
                    violations.Enqueue($"allocations of no running job's instance: {row[0]}; running instances without allocations: {row[1]}; consumers on two providers: {row[2]}");
                (peakVcpu, peakQueued) = (Math.Max(peakVcpu, (long)row[3]!), Math.Max(peakQueued, (long)row[4]!));
                samples++;
                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }
        });

        using var gate = new SemaphoreSlim(InFlight);
        var clients = jobs.Select(async job =>
        {
            await gate.WaitAsync();
            try
            {
                var (status, submitted) = await cloud.Submit(job.Type, QueueCloud.JobBody(job.RequestId, receiver.Url(job.Path), job.Instances),
                    job.SubmitAnswers, within: TimeSpan.FromMinutes(3));
                job.Servers = submitted.GetProperty("Instances").EnumerateArray().Select(i => i.GetProperty("ServerUUID").GetGuid()).ToList();
                try
                {
                    await job.CalledBack.Task.WaitAsync(TimeSpan.FromMinutes(3));
                }
                catch (TimeoutException)
                {
                    var state = await cloud.Rows($"""
                        SELECT j.status, j.reason, d.state, d.attempts, d.claimed_by, d.claimed_until, d.last_error
                        FROM jobs j LEFT JOIN callback_deliveries d ON d.job_id = j.id WHERE j.type = '{job.Type}' AND j.request_id = '{job.RequestId}'
                        """);
                    Assert.Fail($"{job.Path}: no callback within 3 minutes; job and delivery: {string.Join(" | ", state.Select(r => string.Join(", ", r)))}");
                }
                // The job runs a while before it finishes, as real jobs do: the run then outlasts several worker
                // restarts (each takes 5 to 10 s here) however fast admission is.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(500, 1000)));
                await cloud.Finish(job.Type, job.RequestId, job.FinishAnswers, within: TimeSpan.FromMinutes(3));
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        var progress = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(10));
                output.WriteLine($"{clock.Elapsed.TotalSeconds:F0} s: {await JobCounts(cloud)}; {kills} killed; {receiver.Requests.Count} callbacks");
            }
        });
        try
        {
            await Task.WhenAll(clients).WaitAsync(TimeSpan.FromMinutes(4));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The run did not end within 4 minutes: {await JobCounts(cloud)}; {kills} killed\n{Tail(deployment.Logs, 60_000)}");
        }
        finally
        {
            stop.Cancel();
            await chaos;
            await sampler;
            await progress;
        }
        var run = clock.Elapsed;

        // No command lost: every job was answered 201, or 200 on a retry of a try whose outcome was unknown.
        Assert.All(jobs, job => Assert.True(
            job.SubmitAnswers[^1] == HttpStatusCode.Created || (job.SubmitAnswers[^1] == HttpStatusCode.OK && job.SubmitAnswers.Count > 1),
            $"{job.Path}: answers {string.Join(", ", job.SubmitAnswers.Select(a => (int)a))}"));
        Assert.Equal(JobCount, await cloud.Count("SELECT count(*) FROM jobs"));
        Assert.Equal(JobCount, await cloud.Count("SELECT count(*) FROM jobs WHERE status = 'done' AND admitted_at IS NOT NULL"));
        Assert.Equal(jobs.Sum(j => j.Instances.Length), await cloud.Count("SELECT count(*) FROM job_instances WHERE host IS NOT NULL AND provider_uuid IS NOT NULL"));

        // Each job admitted once: one job.admitted delivery each, and no capacity left held once every job is done.
        Assert.Empty(await cloud.Rows("""
            SELECT j.request_id, count(d.id) FROM jobs j LEFT JOIN callback_deliveries d ON d.job_id = j.id AND d.event = 'job.admitted'
            GROUP BY j.request_id HAVING count(d.id) <> 1
            """));
        Assert.Equal(0L, await cloud.Count("SELECT count(*) FROM callback_deliveries WHERE event <> 'job.admitted'"));
        Assert.Equal(0L, await cloud.Count("SELECT count(*) FROM allocations"));
        Assert.Equal(0L, await cloud.Count("SELECT count(*) FROM consumers"));
        Assert.True(violations.IsEmpty, $"{violations.Count} violations, e.g.:\n{string.Join("\n", violations.Take(20))}");
        Assert.Empty(await cloud.Overcommitted());

        // Every callback arrived, each job's with one delivery id (the same on a repeat), the one the database holds,
        // and the job as admitted: its own instances, on the hosts the database recorded.
        var deliveries = (await cloud.Rows("""
                SELECT j.type, j.request_id, d.id FROM jobs j JOIN callback_deliveries d ON d.job_id = j.id
                """)).ToDictionary(r => $"/jobs/{r[0]}/{r[1]}", r => (Guid)r[2]!);
        var hosts = (await cloud.Rows("SELECT server_uuid, host FROM job_instances")).ToDictionary(r => (Guid)r[0]!, r => (string)r[1]!);
        var requests = receiver.Requests;
        Assert.All(requests, r => Assert.True(byPath.ContainsKey(r.Path), $"a callback to {r.Path}"));
        var calls = requests.GroupBy(r => r.Path).ToDictionary(g => g.Key, g => g.ToList());
        Assert.All(jobs, job =>
        {
            Assert.True(calls.TryGetValue(job.Path, out var received), $"{job.Path}: no callback");
            Assert.Equal([deliveries[job.Path]], received.Select(r => Guid.Parse(r.Headers[Delivery])).Distinct());
            foreach (var request in received)
            {
                var body = JsonDocument.Parse(request.Body).RootElement;
                Assert.Equal("job.admitted", body.GetProperty("event").GetString());
                Assert.Equal(job.RequestId, body.GetProperty("data").GetProperty("RequestID").GetString());
                var instances = body.GetProperty("data").GetProperty("Instances").EnumerateArray().ToList();
                Assert.Equal(job.Servers, instances.Select(i => i.GetProperty("ServerUUID").GetGuid()));
                Assert.Equal(job.Servers!.Select(s => hosts[s]), instances.Select(i => i.GetProperty("Host").GetString()));
            }
        });
        // Every delivery ends recorded as delivered (a worker killed between sending and recording sends again).
        await Eventually(async () => await cloud.Count("SELECT count(*) FROM callback_deliveries WHERE state <> 'delivered'") == 0 ? true : (bool?)null,
            TimeSpan.FromSeconds(30), "every delivery recorded as delivered", deployment);

        // The run did what it is about: workers killed throughout, capacity full and jobs waiting for it.
        var retriedSubmits = jobs.Count(j => j.SubmitAnswers.Count > 1);
        var retriedFinishes = jobs.Count(j => j.FinishAnswers.Count > 1);
        output.WriteLine($"{JobCount} jobs in {run.TotalSeconds:F1} s ({JobCount / run.TotalSeconds:F0} jobs/s); {kills} workers killed; " +
            $"{requests.Count - JobCount} repeated callbacks; submits retried {retriedSubmits}, finishes retried {retriedFinishes}; " +
            $"{samples} samples, peak {peakVcpu} of {HostCount * HostVcpu} VCPU in use, peak {peakQueued} jobs queued");
        Assert.True(kills >= 3, $"only {kills} workers killed during the run");
        Assert.True(samples >= 10, $"only {samples} samples");
        Assert.True(peakVcpu >= HostCount * HostVcpu * 3 / 4, $"peak VCPU use {peakVcpu}");
        Assert.True(peakQueued >= 20, $"peak queue length {peakQueued}");
    }

    /// <summary>
    /// One statement, so one snapshot: allocations of consumers that are no running job's instance, running jobs'
    /// instances without allocations, consumers on more than one provider, VCPU in use, and jobs queued.
    /// </summary>
    const string SafetySample = """
        SELECT
          (SELECT count(*) FROM allocations a WHERE NOT EXISTS (
             SELECT 1 FROM job_instances i JOIN jobs j ON j.id = i.job_id WHERE i.server_uuid = a.consumer_uuid AND j.status = 'running')),
          (SELECT count(*) FROM job_instances i JOIN jobs j ON j.id = i.job_id
             WHERE j.status = 'running' AND NOT EXISTS (SELECT 1 FROM allocations a WHERE a.consumer_uuid = i.server_uuid)),
          (SELECT count(*) FROM (SELECT consumer_uuid FROM allocations GROUP BY consumer_uuid HAVING count(DISTINCT resource_provider_id) > 1) x),
          (SELECT coalesce(sum(a.used), 0)::bigint FROM allocations a JOIN resource_classes rc ON rc.id = a.resource_class_id WHERE rc.name = 'VCPU'),
          (SELECT count(*) FROM jobs WHERE status = 'queued')
        """;

    /// <summary>A job of the safety run: what it asks for, what the client was answered, and its callback's arrival.</summary>
    sealed class SafetyJob(string type, string requestId, (int Vcpu, int Memory, int Disk)[] instances)
    {
        public string Type => type;
        public string RequestId => requestId;
        public (int Vcpu, int Memory, int Disk)[] Instances => instances;
        public string Path => $"/jobs/{type}/{requestId}";
        public List<HttpStatusCode> SubmitAnswers { get; } = [];
        public List<HttpStatusCode> FinishAnswers { get; } = [];
        public List<Guid>? Servers { get; set; }
        public TaskCompletionSource CalledBack { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    static async Task<string> JobCounts(QueueCloud cloud) => string.Join(", ",
        (await cloud.Rows("SELECT status, count(*) FROM jobs GROUP BY status ORDER BY status")).Select(r => $"{r[1]} {r[0]}"));

    static async Task<string?> Status(QueueCloud cloud, string type, string requestId) =>
        (string?)(await cloud.Rows($"SELECT status FROM jobs WHERE type = '{type}' AND request_id = '{requestId}'")).Single()[0];

    /// <summary>What every test's processes share: callbacks may go to the receiver on loopback.</summary>
    static Dictionary<string, string> Settings(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string> { ["Callbacks__AllowPrivateNetworks"] = "true" };
        foreach (var (key, value) in extra)
            settings[key] = value;
        return settings;
    }

    /// <summary>Waits until <paramref name="probe"/> returns a value; fails with the processes' logs after the timeout.</summary>
    static async Task<T> Eventually<T>(Func<Task<T?>> probe, TimeSpan timeout, string what, SplitDeployment deployment) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } value)
                return value;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"No {what} within {timeout}\n{Tail(deployment.Logs)}");
            await Task.Delay(50);
        }
    }

    static async Task<T> Eventually<T>(Func<Task<T?>> probe, TimeSpan timeout, string what, SplitDeployment deployment) where T : struct =>
        (await Eventually(async () => await probe() is { } value ? new StrongBox<T>(value) : null, timeout, what, deployment)).Value;

    static Task<T> Eventually<T>(Func<T?> probe, TimeSpan timeout, string what, SplitDeployment deployment) where T : class =>
        Eventually(() => Task.FromResult(probe()), timeout, what, deployment);

    static Task<T> Eventually<T>(Func<T?> probe, TimeSpan timeout, string what, SplitDeployment deployment) where T : struct =>
        Eventually(() => Task.FromResult(probe()), timeout, what, deployment);

    static string Tail(string logs, int characters = 20_000) => logs.Length <= characters ? logs : "...\n" + logs[^characters..];
}
