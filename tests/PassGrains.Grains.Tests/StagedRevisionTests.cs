using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

/// <summary>
/// Staged template revisions are never kept for ever: one no schedule claimed is forgotten at its time by its own
/// reminder; one a waiting schedule claimed is kept past that, cannot be dropped or taken by another schedule, and is
/// forgotten on the tick after its schedule ended, or when the schedule that claimed it was never stored.
/// </summary>
public sealed class StagedRevisionTests
{
    private const string PassType = "pass.com.example.staged";

    private static readonly byte[] Zip = Encoding.UTF8.GetBytes("a model zip, as far as this grain knows");

    private static async Task<Orleans.TestingHost.InProcessTestCluster> StartAsync() =>
        await StorageTestCluster.StartAsync(1, _ => new SharedGrainStorage(), new RecordingPushDispatcher(), new ScheduleRunLedger());

    private static IStagedRevisionGrain Staged(IGrainFactory grains, string templateId) =>
        grains.GetGrain<IStagedRevisionGrain>(GrainKeys.StagedRevision(templateId, new string('a', 64)));

    private static Task<ReminderEntry?> ReminderOf(Orleans.TestingHost.InProcessTestCluster cluster, IStagedRevisionGrain staged) =>
        cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>().ReadRow(staged.GetGrainId(), StagedRevisionGrain.ReminderName);

    /// <summary>The tick its reminder brings, now rather than a day from now.</summary>
    private static Task TickAsync(IStagedRevisionGrain staged) =>
        staged.AsReference<IRemindable>().ReceiveReminder(StagedRevisionGrain.ReminderName, new TickStatus(DateTime.UtcNow, TimeSpan.FromDays(1), DateTime.UtcNow));

    private static Schedule NewSchedule(string target, DateTimeOffset at) =>
        new($"{System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(target))}.{Guid.NewGuid():N}", target, at,
            new ScheduledRequest("PUT", $"/api/{target}", """{"staged":"x"}"""), DateTimeOffset.UtcNow, "test-key-fingerprint", PassTypeIdentifier: PassType);

    [Fact]
    public async Task A_revision_no_schedule_claimed_is_forgotten_at_its_time_by_its_own_reminder()
    {
        await using var cluster = await StartAsync();
        var staged = Staged(cluster.Client, $"unclaimed-{Guid.NewGuid():N}");
        var info = await staged.Stage(Zip, PassType, DateTimeOffset.UtcNow + TimeSpan.FromSeconds(2));
        Assert.Equal(Zip.Length, info.Size);
        Assert.NotNull(await ReminderOf(cluster, staged));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await staged.GetInfo() is not null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the staged revision was still kept 30 s after its time");
            await Task.Delay(200);
        }
        Assert.Null(await staged.GetModelZip());
        Assert.Null(await ReminderOf(cluster, staged));
    }

    [Fact]
    public async Task A_revision_a_waiting_schedule_claimed_is_kept_held_and_forgotten_after_the_schedule_ends()
    {
        await using var cluster = await StartAsync();
        var templateId = $"claimed-{Guid.NewGuid():N}";
        var target = $"templates/{templateId}";
        var book = cluster.Client.GetGrain<IScheduleBookGrain>(GrainKeys.ScheduleBook(target));
        var staged = Staged(cluster.Client, templateId);
        await staged.Stage(Zip, PassType, DateTimeOffset.UtcNow);
        var waiting = NewSchedule(target, DateTimeOffset.UtcNow + TimeSpan.FromHours(1));
        Assert.Equal(StagedRevisionStatus.Done, (await staged.Claim(waiting.Id, target)).Status);
        Assert.Equal(ScheduleAddStatus.Added, await book.Add(waiting));

        // Past its time to be claimed, but its schedule waits: kept, and nobody else may take or drop it.
        await TickAsync(staged);
        Assert.Equal(waiting.Id, (await staged.GetInfo())?.ClaimedBy);
        var other = NewSchedule(target, DateTimeOffset.UtcNow + TimeSpan.FromHours(2));
        Assert.Equal(new StagedRevisionResult(StagedRevisionStatus.ClaimedByAnother, waiting.Id), await staged.Claim(other.Id, target));
        Assert.Equal(StagedRevisionStatus.ClaimedByAnother, (await staged.Drop()).Status);

        // Its schedule ended (cancelled here; run or failed alike): the next tick forgets it and its reminder.
        Assert.True((await book.Cancel(waiting.Id)).Cancelled);
        Assert.NotNull(await staged.GetModelZip());
        await TickAsync(staged);
        Assert.Null(await staged.GetInfo());
        Assert.Null(await ReminderOf(cluster, staged));
    }

    [Fact]
    public async Task A_claim_whose_schedule_was_never_stored_gives_way_to_the_next_and_does_not_keep_the_revision()
    {
        await using var cluster = await StartAsync();
        var templateId = $"orphan-{Guid.NewGuid():N}";
        var target = $"templates/{templateId}";
        var staged = Staged(cluster.Client, templateId);
        await staged.Stage(Zip, PassType, DateTimeOffset.UtcNow + TimeSpan.FromHours(1));
        // The book's write of this schedule failed, say: the claim names a schedule no book holds.
        var lost = NewSchedule(target, DateTimeOffset.UtcNow + TimeSpan.FromHours(1));
        Assert.Equal(StagedRevisionStatus.Done, (await staged.Claim(lost.Id, target)).Status);
        var retried = NewSchedule(target, DateTimeOffset.UtcNow + TimeSpan.FromHours(1));
        Assert.Equal(new StagedRevisionResult(StagedRevisionStatus.Done, retried.Id), await staged.Claim(retried.Id, target));

        // Still within its time to be claimed, the tick keeps it; and the same zip staged again for later keeps it longer.
        await TickAsync(staged);
        Assert.NotNull(await staged.GetInfo());
        var later = DateTimeOffset.UtcNow + TimeSpan.FromDays(2);
        Assert.Equal(later, (await staged.Stage(Zip, PassType, later)).KeptUntil);
        Assert.Equal(StagedRevisionStatus.Done, (await staged.Drop()).Status);
        Assert.Null(await staged.GetInfo());
        Assert.Null(await ReminderOf(cluster, staged));
    }
}
