using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using PassGrains.Abstractions;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// Orleans' own ADO.NET reminder provider against our SQLite reminder schema: upsert, read one,
/// read by hash range (both range forms), versioned delete. Push re-drive after a crash stands on this.
/// </summary>
public sealed class ReminderTableTests(InProcessServerFixture server) : IClassFixture<InProcessServerFixture>
{
    private IReminderTable Table => server.Services.GetRequiredService<IReminderTable>();

    private static GrainId PassGrainId(string serial) =>
        GrainId.Create("pass", GrainKeys.Pass("pass.com.example.event", $"{serial}-{new string('x', 150)}"));

    private async Task<string> UpsertRow(ReminderEntry entry) =>
        await Table.UpsertRow(entry) ?? throw new InvalidOperationException("the upsert returned no version");

    [Fact]
    public async Task Reminders_are_stored_read_versioned_and_deleted()
    {
        var grain = PassGrainId(Guid.NewGuid().ToString("N"));
        var start = new DateTime(2026, 11, 27, 12, 0, 0, DateTimeKind.Utc);
        var first = await UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "owed-pushes", StartAt = start, Period = TimeSpan.FromMinutes(1) });
        var second = await UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "owed-pushes", StartAt = start, Period = TimeSpan.FromMinutes(2) });
        Assert.NotEqual(first, second);

        var row = await Table.ReadRow(grain, "owed-pushes");
        Assert.NotNull(row);
        Assert.Equal(TimeSpan.FromMinutes(2), row.Period);
        Assert.Equal(start, row.StartAt.ToUniversalTime());
        Assert.Equal(second, row.ETag);
        Assert.Single((await Table.ReadRows(grain)).Reminders);

        // A delete with a stale version leaves the row; with the current one it goes.
        Assert.False(await Table.RemoveRow(grain, "owed-pushes", first));
        Assert.NotNull(await Table.ReadRow(grain, "owed-pushes"));
        Assert.True(await Table.RemoveRow(grain, "owed-pushes", second));
        Assert.Null(await Table.ReadRow(grain, "owed-pushes"));
    }

    [Fact]
    public async Task A_silo_finds_reminders_by_hash_range_including_the_wrapping_range()
    {
        var grain = PassGrainId(Guid.NewGuid().ToString("N"));
        await Table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "r", StartAt = DateTime.UtcNow, Period = TimeSpan.FromMinutes(1) });
        var hash = grain.GetUniformHashCode();

        var inside = await Table.ReadRows(hash - 1, hash);
        Assert.Contains(inside.Reminders, r => r.GrainId == grain);
        var outside = await Table.ReadRows(hash, hash + 1 == 0 ? 1 : hash + 1);
        Assert.DoesNotContain(outside.Reminders, r => r.GrainId == grain);
        // begin >= end: the range wraps around the ring and still holds the grain.
        var wrapping = await Table.ReadRows(hash + 1, hash);
        Assert.Contains(wrapping.Reminders, r => r.GrainId == grain);
    }
}
