using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Reminders.Diagnostics;
using Orleans.TestingHost;
using PassGrains.Abstractions;
using PassGrains.Grains.Tests.Postgres;
using static PassGrains.Grains.Tests.Postgres.SiloLossRetry;
using Xunit.Abstractions;

namespace PassGrains.Grains.Tests;

/// <summary>
/// Scheduled changes on their reminders: a schedule runs once, at its time, on a cluster that lost a silo after it was
/// made (real ADO.NET reminders and grain storage in PostgreSQL); a cancelled one never runs; a tick that cannot reach
/// the event feed changes nothing. In the failover collection: a schedule's lateness is measured in seconds, which
/// the other tests' load would stretch.
/// </summary>
[Collection(PostgresFailoverGroup.Name)]
public sealed class ScheduleBookTests(ITestOutputHelper output)
{
    private const string PassType = "pass.com.example.sched";
    private const int BookCount = 20;

    /// <summary>
    /// How far ahead the schedules of the failover test are. The survivor must hold the killed silo's reminder ranges
    /// before the schedules fall due (a tick due before it does comes a reminder period, 60 s, late). It does once
    /// membership declares the silo dead: at once here, since TestCluster's kill stops the silo inside this process and a
    /// stopping silo writes itself Dead in the membership table (Orleans does, even stopped ungracefully); within seconds
    /// for a crashed process, found by missed probes (two of 2 s, then the survivor's vote). 20 s covers either.
    /// </summary>
    private static readonly TimeSpan Lead = TimeSpan.FromSeconds(20);

    /// <summary>The book runs a tick this much before the schedule's time (ScheduleBookGrain's allowance for two silos' clocks).</summary>
    private static readonly TimeSpan Early = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How late a run may be. A schedule's first tick is at its time, from the silo holding its reminder's range; a tick
    /// that was lost (sent to the dead silo's activation, or due before the survivor held the range) comes back only a
    /// reminder period (60 s) later. Within 40 s is the first tick, with room left for a busy two-core machine.
    /// </summary>
    private static readonly TimeSpan LateBound = TimeSpan.FromSeconds(40);

    /// <summary>What every schedule book of the pass type has in its grain id (each PostgreSQL test has a database of its own).</summary>
    private static readonly string BookIdPart = GrainKeys.ScheduleBook($"passes/{PassType}/");

    private static string Serial(int i) => string.Create(CultureInfo.InvariantCulture, $"seat-{i:D2}");

    private static string Target(string serial) => $"passes/{PassType}/{serial}";

    private static IScheduleBookGrain Book(IGrainFactory grains, string target) => grains.GetGrain<IScheduleBookGrain>(GrainKeys.ScheduleBook(target));

    /// <summary>A change of a pass's fields at <paramref name="at"/>, with an id made as the server makes them (ScheduleIds: the target, encoded, and a key).</summary>
    private static Schedule NewSchedule(string target, DateTimeOffset at)
    {
        var id = $"{System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(target))}.{Guid.NewGuid():N}";
        var path = $"/api/{target}";
        return new Schedule(id, target, at, new ScheduledRequest("PATCH", path, """{"fields":{"gate":"9"}}"""), DateTimeOffset.UtcNow, "test-key-fingerprint",
            PassTypeIdentifier: PassType);
    }

    [PostgresFact]
    public async Task Schedules_run_once_at_their_time_with_postgres_reminders_on_two_silos_one_killed_in_between()
    {
        var total = Stopwatch.StartNew();
        await using var database = await PostgresTestDatabase.CreateAsync(maxPoolSize: 20);
        var run = PostgresRun.Register(database.ConnectionString, new PassTokens(RandomNumberGenerator.GetBytes(32)));
        try
        {
            await using var cluster = await StartPostgresClusterAsync(run, silos: 2);
            output.WriteLine($"cluster up after {total.Elapsed.TotalSeconds:F1} s");
            await SchedulesRunOnceAcrossAKilledSilo(cluster, database, run);
        }
        finally
        {
            PostgresRun.Unregister(run);
            output.WriteLine($"total {total.Elapsed.TotalSeconds:F1} s");
        }
    }

    private async Task SchedulesRunOnceAcrossAKilledSilo(TestCluster cluster, PostgresTestDatabase database, PostgresRun run)
    {
        using var reminderEvents = new ReminderEventLog();
        var client = cluster.Client;
        Assert.Equal(2, (await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count);
        // Without the test membership TestCluster names no Primary (both silos join through PostgreSQL): keep the first.
        var silos = cluster.Silos.OrderBy(s => s.InstanceNumber).ToList();
        Assert.Equal(2, silos.Count);
        var survivor = cluster.Primary ?? silos[0];
        var victim = silos.First(s => s != survivor);

        // The time comes from the clock, once: every schedule falls due Lead from now, whatever the setup below takes.
        var at = DateTimeOffset.UtcNow + Lead;
        var schedules = Enumerable.Range(0, BookCount).Select(i => NewSchedule(Target(Serial(i)), at)).ToList();
        var added = await Task.WhenAll(schedules.Select(s => Book(client, s.Target).Add(s)));
        Assert.All(added, status => Assert.Equal(ScheduleAddStatus.Added, status));

        // Placement is the cluster's choice: move half the books to the silo that will die, so every run has books whose
        // activation dies with it and is made again, from PostgreSQL, by the tick.
        await Task.WhenAll(schedules.Select((s, i) => ClusterPlacement.PinAsync(cluster, Book(client, s.Target), i % 2 == 0 ? victim.SiloAddress : survivor.SiloAddress)));
        // Which silo ticks a reminder is the reminder ring's choice (the grain's hash), seen in where its local timer
        // started: some must be the victim's, so that the survivor has to take them over from PostgreSQL.
        var reminderNames = schedules.Select(s => ScheduleBookGrain.ReminderName(s.Id)).ToHashSet(StringComparer.Ordinal);
        var startedOnVictim = reminderEvents.Of<ReminderEvents.LocalReminderStarted>(reminderNames)
            .Where(e => victim.SiloAddress.Equals(e.SiloAddress)).Select(e => e.ReminderName).ToHashSet(StringComparer.Ordinal);
        output.WriteLine($"{BookCount} books: {BookCount / 2} activated on the victim {victim.SiloAddress}, {startedOnVictim.Count} with their reminder ticking there");
        Assert.InRange(startedOnVictim.Count, 1, BookCount - 1);
        // Each schedule's reminder is a row in PostgreSQL before anything dies.
        var before = await database.RemindersOfAsync(BookIdPart);
        Assert.Equal(BookCount, before.Count);
        Assert.Equal(BookCount, before.Select(r => r.GrainId).Distinct().Count());

        var killedAt = DateTimeOffset.UtcNow;
        await cluster.KillSiloAsync(victim);
        output.WriteLine($"killed the victim {(at - killedAt).TotalSeconds:F1} s before the schedules' time (the kill took {(DateTimeOffset.UtcNow - killedAt).TotalSeconds:F1} s)");

        // The survivor's view of membership: from then on it holds the victim's reminder ranges and re-activates its books.
        var membership = cluster.GetSiloServiceProvider(survivor.SiloAddress).GetRequiredService<IClusterMembershipService>();
        var deathDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (membership.CurrentSnapshot.GetSiloStatus(victim.SiloAddress) != SiloStatus.Dead)
        {
            Assert.True(DateTime.UtcNow < deathDeadline, $"membership did not declare {victim.SiloAddress} dead within 30 s");
            await Task.Delay(100);
        }
        var declaredDead = DateTimeOffset.UtcNow;
        output.WriteLine($"declared dead {(declaredDead - killedAt).TotalSeconds:F1} s after the kill, {(at - declaredDead).TotalSeconds:F1} s before the schedules' time");
        // What the test stands on: the schedules are due after the survivor knows (else their first tick is a minute late).
        Assert.True(declaredDead < at - Early, $"the victim was declared dead only {(declaredDead - at).TotalSeconds:F1} s after the schedules' time: Lead is too short for this machine");
        // The client's calls must not go to the killed silo's gateway (unanswered, they time out after 30 s).
        await run.Gateways.AtMost(1).WaitAsync(TimeSpan.FromSeconds(30));

        // The ledger first (no call to a book before its tick, so the tick is what re-activates a book of the victim).
        var runsDeadline = at + LateBound;
        while (run.Schedules.Runs.Select(r => r.ScheduleId).Distinct(StringComparer.Ordinal).Count() < BookCount && DateTimeOffset.UtcNow < runsDeadline)
            await Task.Delay(250);
        output.WriteLine($"{run.Schedules.Runs.Count} runs by {(DateTimeOffset.UtcNow - at).TotalSeconds:F1} s after the schedules' time");

        var ended = await WaitForAsync(
            () => Task.WhenAll(schedules.Select(s => Retry(() => Book(client, s.Target).Find(s.Id)))),
            found => found.All(s => s is { Status: not ScheduleStatus.Pending }),
            TimeSpan.FromSeconds(30));
        var runs = run.Schedules.Runs;
        var problems = new List<string>();
        foreach (var (schedule, found) in schedules.Zip(ended))
        {
            if (found is not { Status: ScheduleStatus.Succeeded, Version: 1 })
                problems.Add($"{schedule.Target}: {found?.Status.ToString() ?? "not found"} version {found?.Version} ({found?.Error})");
            var ran = runs.Where(r => r.ScheduleId == schedule.Id).ToList();
            if (ran.Count != 1)
                problems.Add($"{schedule.Target}: ran {ran.Count} times");
            foreach (var r in ran)
            {
                if (r.At < schedule.At - Early)
                    problems.Add($"{schedule.Target}: ran {(schedule.At - r.At).TotalSeconds:F1} s before its time");
                if (r.At > schedule.At + LateBound)
                    problems.Add($"{schedule.Target}: ran {(r.At - schedule.At).TotalSeconds:F1} s after its time");
                // Every schedule was due after the kill, so no run at all may be the killed silo's.
                if (r.Silo.Equals(victim.SiloAddress))
                    problems.Add($"{schedule.Target}: ran on the killed silo, {(r.At - killedAt).TotalSeconds:F1} s after the kill");
            }
        }
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.Equal(BookCount, runs.Count);
        var lateness = runs.Select(r => (r.At - at).TotalSeconds).Order().ToList();
        output.WriteLine($"runs from {lateness[0]:F2} s to {lateness[^1]:F2} s after their time, all on {string.Join(", ", runs.Select(r => r.Silo).Distinct())}");

        // One tick per reminder, each from the survivor (those that ticked on the victim were taken over), and no reminder
        // left: no tick will come again, so every schedule ran for good once.
        var ticks = reminderEvents.Of<ReminderEvents.TickFiring>(reminderNames).ToList();
        Assert.Equal(reminderNames.Order(StringComparer.Ordinal), ticks.Select(t => t.ReminderName).Order(StringComparer.Ordinal));
        Assert.All(ticks, t => Assert.Equal(survivor.SiloAddress, t.SiloAddress));
        Assert.Empty(await database.RemindersOfAsync(BookIdPart));

        // Each run is on the event feed once, under the schedule's id, with the version it made.
        var feed = client.GetGrain<IEventFeedGrain>(GrainKeys.EventFeed);
        var page = await WaitForAsync(
            () => Retry(() => feed.Read(0, EventFeedGrain.MaxRead)),
            read => schedules.All(s => read.Events.Any(e => e.Id == $"schedule/{s.Id}")),
            TimeSpan.FromSeconds(30));
        Assert.False(page.Skipped);
        foreach (var schedule in schedules)
        {
            var events = page.Events.Where(e => e.Id == $"schedule/{schedule.Id}").ToList();
            var only = Assert.Single(events);
            Assert.Equal(LifecycleEventTypes.ScheduleSucceeded, only.Type);
            Assert.Equal(PassType, only.PassTypeIdentifier);
            Assert.Equal(schedule.Target[(schedule.Target.LastIndexOf('/') + 1)..], only.SerialNumber);
            Assert.Equal(1, only.Version);
        }
        Assert.Equal(BookCount, page.Events.Count(e => e.Type == LifecycleEventTypes.ScheduleSucceeded));
        Assert.DoesNotContain(page.Events, e => e.Type == LifecycleEventTypes.ScheduleFailed);
    }

    [PostgresFact]
    public async Task A_schedule_of_a_pass_with_a_long_serial_is_added_and_runs_on_postgres_reminders()
    {
        var total = Stopwatch.StartNew();
        await using var database = await PostgresTestDatabase.CreateAsync(maxPoolSize: 10);
        var run = PostgresRun.Register(database.ConnectionString, new PassTokens(RandomNumberGenerator.GetBytes(32)));
        try
        {
            await using var cluster = await StartPostgresClusterAsync(run, silos: 1);
            // A serial of 100 characters, the longest the API takes: its schedule's id is longer than the 150 characters
            // the reminder table gives a reminder's name.
            var target = Target($"seat-{new string('7', 95)}");
            var schedule = NewSchedule(target, DateTimeOffset.UtcNow + TimeSpan.FromSeconds(2));
            Assert.True(schedule.Id.Length > 150, $"the id has {schedule.Id.Length} characters");
            var book = Book(cluster.Client, target);

            Assert.Equal(ScheduleAddStatus.Added, await book.Add(schedule));
            var reminder = Assert.Single(await database.RemindersOfAsync(BookIdPart));
            Assert.Equal(ScheduleBookGrain.ReminderName(schedule.Id), reminder.ReminderName);

            var ended = await WaitForAsync(() => book.Find(schedule.Id), s => s is { Status: not ScheduleStatus.Pending }, TimeSpan.FromSeconds(30));
            Assert.Equal(ScheduleStatus.Succeeded, ended?.Status);
            var ran = Assert.Single(run.Schedules.RunsOf(schedule.Id));
            Assert.True(ran.At >= schedule.At - Early, $"ran {(schedule.At - ran.At).TotalSeconds:F1} s before its time");
            Assert.Empty(await database.RemindersOfAsync(BookIdPart));
        }
        finally
        {
            PostgresRun.Unregister(run);
            output.WriteLine($"total {total.Elapsed.TotalSeconds:F1} s");
        }
    }

    [Fact]
    public async Task A_cancelled_schedule_never_runs_and_leaves_no_reminder()
    {
        var ledger = new ScheduleRunLedger();
        await using var cluster = await StorageTestCluster.StartAsync(1, _ => new SharedGrainStorage(), new RecordingPushDispatcher(), ledger);
        var target = Target($"cancel-{Guid.NewGuid():N}");
        var book = Book(cluster.Client, target);
        var now = DateTimeOffset.UtcNow;
        var a = NewSchedule(target, now + TimeSpan.FromSeconds(3));
        var b = NewSchedule(target, now + TimeSpan.FromSeconds(5));
        Assert.Equal(ScheduleAddStatus.Added, await book.Add(a));
        Assert.Equal(ScheduleAddStatus.Added, await book.Add(b));
        var reminders = cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();
        var bookId = book.GetGrainId();
        Assert.NotNull(await reminders.ReadRow(bookId, ScheduleBookGrain.ReminderName(a.Id)));

        var cancelled = await book.Cancel(a.Id);
        Assert.True(cancelled.Cancelled);
        Assert.Equal(ScheduleStatus.Cancelled, cancelled.Schedule?.Status);
        Assert.Null(await reminders.ReadRow(bookId, ScheduleBookGrain.ReminderName(a.Id)));

        // B falls due two seconds after A would have: by the time B ran, A's tick would have come.
        var ranB = await WaitForAsync(() => book.Find(b.Id), s => s is { Status: not ScheduleStatus.Pending }, TimeSpan.FromSeconds(30));
        Assert.Equal(ScheduleStatus.Succeeded, ranB?.Status);
        Assert.Equal(ScheduleStatus.Cancelled, (await book.Find(a.Id))?.Status);
        Assert.Empty(ledger.RunsOf(a.Id));
        var run = Assert.Single(ledger.RunsOf(b.Id));
        Assert.True(run.At >= b.At - Early, $"B ran {(b.At - run.At).TotalSeconds:F1} s before its time");
        Assert.Empty((await reminders.ReadRows(bookId)).Reminders);
        // An ended schedule stays as it ended.
        var again = await book.Cancel(a.Id);
        Assert.False(again.Cancelled);
        Assert.Equal(ScheduleStatus.Cancelled, again.Schedule?.Status);
        Assert.Equal(ScheduleStatus.Succeeded, (await book.Cancel(b.Id)).Schedule?.Status);
    }

    [Fact]
    public async Task A_tick_that_cannot_reach_the_event_feed_makes_no_change_and_the_schedule_stays_owed()
    {
        var ledger = new ScheduleRunLedger();
        var storage = new FailingGrainStorage(new SharedGrainStorage());
        await using var cluster = await StorageTestCluster.StartAsync(1, _ => storage, new RecordingPushDispatcher(), ledger);
        var target = Target($"feedless-{Guid.NewGuid():N}");
        var book = Book(cluster.Client, target);
        var schedule = NewSchedule(target, DateTimeOffset.UtcNow + TimeSpan.FromSeconds(2));
        Assert.Equal(ScheduleAddStatus.Added, await book.Add(schedule));

        // The feed's next write is the tick's reservation; it fails, as when the feed's storage or silo is away.
        storage.FailNextWrite(StorageNames.EventFeed);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (storage.WriteFailurePending)
        {
            Assert.True(DateTime.UtcNow < deadline, "the schedule's tick never reached the event feed");
            await Task.Delay(50);
        }

        // The book answers once the tick is over (its calls do not interleave): nothing was changed, and the schedule
        // waits for the next tick with its reminder, which would otherwise have changed the pass again.
        Assert.Equal(ScheduleStatus.Pending, (await book.Find(schedule.Id))?.Status);
        Assert.Empty(ledger.RunsOf(schedule.Id));
        var reminders = cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();
        Assert.NotNull(await reminders.ReadRow(book.GetGrainId(), ScheduleBookGrain.ReminderName(schedule.Id)));
    }

    [Fact]
    public async Task A_schedule_whose_feed_stays_away_past_its_give_up_is_ended_as_failed_unmade_and_announced_once_the_feed_is_back()
    {
        var ledger = new ScheduleRunLedger();
        var storage = new FailingGrainStorage(new SharedGrainStorage());
        await using var cluster = await StorageTestCluster.StartAsync(1, _ => storage, new RecordingPushDispatcher(), ledger);
        var target = Target($"given-up-{Guid.NewGuid():N}");
        var book = Book(cluster.Client, target);
        // Due two hours ago (the silos were down, say), past the give-up of one hour: its first tick meets the feed away.
        var schedule = NewSchedule(target, DateTimeOffset.UtcNow - TimeSpan.FromHours(2));
        Assert.Equal(ScheduleAddStatus.Added, await book.Add(schedule));
        storage.FailNextWrite(StorageNames.EventFeed);
        // Its ticks, brought now: a reminder due at once comes only a reminder period (a minute) later here.
        var reminderName = ScheduleBookGrain.ReminderName(schedule.Id);
        Task TickAsync() => book.AsReference<IRemindable>().ReceiveReminder(reminderName, new TickStatus(DateTime.UtcNow, TimeSpan.FromSeconds(15), DateTime.UtcNow));
        await TickAsync();
        Assert.False(storage.WriteFailurePending, "the tick did not try the event feed");
        var ended = await book.Find(schedule.Id);

        Assert.Equal(ScheduleStatus.Failed, ended?.Status);
        Assert.Contains("event feed could not be reached", ended?.Error, StringComparison.Ordinal);
        Assert.Empty(ledger.RunsOf(schedule.Id));
        var feed = cluster.Client.GetGrain<IEventFeedGrain>(GrainKeys.EventFeed);
        async Task<List<LifecycleEvent>> EventsOfSchedule() =>
            (await feed.Read(0, 10_000)).Events.Where(e => e.Id == $"schedule/{schedule.Id}").ToList();
        Assert.Empty(await EventsOfSchedule());
        // Its event is owed, so its reminder stays; the feed is back for the next tick.
        var reminders = cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();
        Assert.NotNull(await reminders.ReadRow(book.GetGrainId(), reminderName));
        await TickAsync();

        var announced = Assert.Single(await EventsOfSchedule());
        Assert.Equal(LifecycleEventTypes.ScheduleFailed, announced.Type);
        Assert.Null(await reminders.ReadRow(book.GetGrainId(), reminderName));
        Assert.Empty(ledger.RunsOf(schedule.Id));
        Assert.Equal(ScheduleStatus.Failed, (await book.Find(schedule.Id))?.Status);
    }

    private static async Task<TestCluster> StartPostgresClusterAsync(PostgresRun run, short silos)
    {
        var builder = new TestClusterBuilder(silos);
        // The test membership would replace ADO.NET clustering; the silos and the client read PostgreSQL instead.
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ConfigureFileLogging = false;
        builder.Properties[PostgresRun.ConfigurationKey] = run.Id;
        builder.AddSiloBuilderConfigurator<PostgresSiloConfigurator>();
        builder.AddClientBuilderConfigurator<PostgresClientConfigurator>();
        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads until <paramref name="done"/> holds or <paramref name="within"/> has passed; returns the last read either way.</summary>
    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow >= deadline)
                return value;
            await Task.Delay(250);
        }
    }

}

/// <summary>
/// Orleans' reminder diagnostics (every reminder event in the process) while a test runs: where a reminder's local timer
/// started and which silo fired each tick, which the reminder table does not tell.
/// </summary>
public sealed class ReminderEventLog : IObserver<ReminderEvents.ReminderEvent>, IDisposable
{
    private readonly ConcurrentQueue<ReminderEvents.ReminderEvent> _events = new();
    private readonly IDisposable _subscription;

    public ReminderEventLog() => _subscription = ReminderEvents.AllEvents.Subscribe(this);

    /// <summary>The events of type <typeparamref name="T"/> of the reminders named in <paramref name="names"/>, in order.</summary>
    public IEnumerable<T> Of<T>(IReadOnlySet<string> names)
        where T : ReminderEvents.ReminderEvent =>
        _events.OfType<T>().Where(e => names.Contains(e.ReminderName)).ToList();

    public void OnNext(ReminderEvents.ReminderEvent value) => _events.Enqueue(value);

    public void OnError(Exception error)
    {
    }

    public void OnCompleted()
    {
    }

    public void Dispose() => _subscription.Dispose();
}
