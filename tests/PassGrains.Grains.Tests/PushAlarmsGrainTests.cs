using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

/// <summary>The cluster's push alarms are stored: raised once, seen after the grain moves, cleared once.</summary>
[Collection(ClusterGroup.Name)]
public sealed class PushAlarmsGrainTests(ClusterFixture fixture) : ClusterTests(fixture)
{
    private IPushAlarmsGrain Alarms => Client.GetGrain<IPushAlarmsGrain>(GrainKeys.PushAlarms);

    [Fact]
    public async Task An_alarm_is_stored_kept_as_first_raised_and_cleared_once()
    {
        var passType = NewPassType();
        var raisedAt = Fixture.Clock.GetUtcNow();
        var before = (await Alarms.GetAlarms()).Version;

        var raised = await Alarms.Raise(new PushAlarm(passType, 403, "BadCertificate", raisedAt, 3));
        Assert.True(raised.Changed);
        Assert.True(raised.Alarms.Version > before);
        // Another silo's run of refusals arriving later changes nothing: the first alarm stands.
        var again = await Alarms.Raise(new PushAlarm(passType, 403, "TLS handshake failed", raisedAt.AddSeconds(5), 3));
        Assert.False(again.Changed);
        Assert.Equal(raised.Alarms.Version, again.Alarms.Version);

        await Fixture.ReactivateAsync(Alarms, () => Alarms.GetAlarms());
        var stored = Assert.Single((await Alarms.GetAlarms()).Standing, a => a.PassTypeIdentifier == passType);
        Assert.Equal(new PushAlarm(passType, 403, "BadCertificate", raisedAt, 3), stored);

        var cleared = await Alarms.Clear(passType);
        Assert.True(cleared.Changed);
        Assert.True(cleared.Alarms.Version > raised.Alarms.Version);
        Assert.DoesNotContain(cleared.Alarms.Standing, a => a.PassTypeIdentifier == passType);
        Assert.False((await Alarms.Clear(passType)).Changed);

        await Fixture.ReactivateAsync(Alarms, () => Alarms.GetAlarms());
        Assert.DoesNotContain((await Alarms.GetAlarms()).Standing, a => a.PassTypeIdentifier == passType);
        Assert.True((await Alarms.Raise(new PushAlarm(passType, 403, null, raisedAt.AddMinutes(1), 3))).Changed);
        Assert.True((await Alarms.Clear(passType)).Changed);
    }
}
