using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PassGrains.Server.Pushes;

namespace PassGrains.Server.Tests;

/// <summary>
/// The silo's push pace (Pushes/PushPacer.cs) on a clock the test moves: a ceiling is a rate, and the adaptive rate falls
/// while the wallet web service answers slowly, rises while it answers fast and pushes wait, and stays between the least
/// rate and the ceiling.
/// </summary>
public sealed class PushPacerTests
{
    private readonly FakeTimeProvider _clock = new();

    private (PushPacer Pacer, WalletLoad Load) Create(int ceiling, bool adaptive = true, int initial = 500, int least = 50)
    {
        var load = new WalletLoad(_clock);
        var options = new PushPacingOptions { MaxPushesPerSecond = ceiling, Adaptive = adaptive, InitialPushesPerSecond = initial, MinPushesPerSecond = least };
        Assert.Empty(PassGrains.Server.Configuration.Settings.Problems(options));
        return (new PushPacer(Options.Create(options), load, _clock), load);
    }

    /// <summary>A sender with more pushes than the pace allows for <paramref name="duration"/>: it takes what it may, waits as told. Pushes taken.</summary>
    private long Send(PushPacer pacer, TimeSpan duration, Action? eachStep = null)
    {
        var until = _clock.GetUtcNow() + duration;
        long taken = 0;
        while (_clock.GetUtcNow() < until)
        {
            eachStep?.Invoke();
            taken += pacer.TryTake(100_000, out var wait);
            _clock.Advance(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1));
        }
        return taken;
    }

    /// <summary>Wallet web service requests that take <paramref name="each"/>, one after another for as long as it says.</summary>
    private void Answer(WalletLoad load, TimeSpan each)
    {
        var started = load.Started();
        _clock.Advance(each);
        load.Finished(started);
    }

    [Fact]
    public void Without_a_ceiling_or_adaptation_every_push_goes_at_once()
    {
        var (pacer, _) = Create(ceiling: 0, adaptive: false);
        Assert.False(pacer.Paces);
        Assert.Equal(60_000, pacer.TryTake(60_000, out var wait));
        Assert.Equal(TimeSpan.Zero, wait);
    }

    [Fact]
    public void A_ceiling_alone_sends_at_its_rate_after_one_burst()
    {
        var (pacer, _) = Create(ceiling: 500, adaptive: false);
        var burst = (int)(500 * PushPacer.Burst.TotalSeconds);
        Assert.Equal(burst, pacer.TryTake(2_000, out _));
        Assert.Equal(0, pacer.TryTake(2_000, out var wait));
        Assert.InRange(wait, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(20));

        var taken = Send(pacer, TimeSpan.FromSeconds(4));
        Assert.InRange(taken, 4 * 500 - 10, 4 * 500 + 10);
        Assert.Equal(500, pacer.Rate);

        // An idle pacer saves no more than its burst: after a minute's pause, a burst and then the rate again.
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(burst, pacer.TryTake(2_000, out _));
    }

    [Fact]
    public async Task A_sender_waits_for_its_turn_on_the_pacers_clock()
    {
        var (pacer, _) = Create(ceiling: 100, adaptive: false);
        Assert.Equal(5, await pacer.TakeAsync(1_000, CancellationToken.None));
        var next = pacer.TakeAsync(1_000, CancellationToken.None).AsTask();
        Assert.False(next.IsCompleted);
        _clock.Advance(TimeSpan.FromMilliseconds(5));
        Assert.False(next.IsCompleted);
        _clock.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal(1, await next);

        using var stopping = new CancellationTokenSource();
        var cancelled = pacer.TakeAsync(1_000, stopping.Token).AsTask();
        await stopping.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
    }

    [Fact]
    public void The_adaptive_rate_falls_while_devices_are_answered_slowly_down_to_the_least_rate()
    {
        var (pacer, load) = Create(ceiling: 0, initial: 1_000, least: 100);
        Assert.Equal(1_000, pacer.Rate);
        // Every request takes 2 s, twice the target latency.
        var rates = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            Answer(load, TimeSpan.FromSeconds(2));
            pacer.TryTake(1, out _);
            rates.Add(pacer.Rate);
        }
        Assert.Equal(1_000 * PushPacer.DecreaseFactor, rates[0], 3);
        // One cut per hold (its pushes still arriving), then the next: never a rise, and never below the least rate.
        Assert.Equal(700 * PushPacer.DecreaseFactor, rates[1], 3);
        Assert.All(rates.Zip(rates.Skip(1)), pair => Assert.True(pair.Second <= pair.First));
        Assert.Equal(100, rates[^1]);
        Assert.True(pacer.LastDelay >= TimeSpan.FromSeconds(2), $"the pacer read {pacer.LastDelay}");
    }

    [Fact]
    public void Requests_piling_up_unanswered_read_as_slow()
    {
        var (pacer, load) = Create(ceiling: 0, initial: 1_000);
        for (var i = 0; i < 40; i++)
            load.Started();
        _clock.Advance(PushPacer.AdjustEvery);
        pacer.TryTake(1, out _);
        Assert.Equal(700, pacer.Rate, 3);
    }

    [Fact]
    public void The_adaptive_rate_rises_while_devices_are_answered_fast_and_pushes_wait_but_never_above_the_ceiling()
    {
        var (pacer, load) = Create(ceiling: 2_000, initial: 500);
        var rates = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            Send(pacer, PushPacer.AdjustEvery, () => Answer(load, TimeSpan.FromMilliseconds(2)));
            rates.Add(pacer.Rate);
        }
        Assert.True(rates[1] > rates[0] && rates[0] > 500, $"rates: {string.Join(", ", rates)}");
        Assert.All(rates.Zip(rates.Skip(1)), pair => Assert.True(pair.Second >= pair.First));
        Assert.All(rates, rate => Assert.True(rate <= 2_000));
        Assert.Equal(2_000, rates[^1]);
        // What it let go followed the rate: about 2,000 in the last second.
        Assert.InRange(Send(pacer, TimeSpan.FromSeconds(1)), 1_900, 2_100);

        // Slow answers now: down again, by the factor.
        var started = load.Started();
        _clock.Advance(TimeSpan.FromSeconds(3));
        load.Finished(started);
        pacer.TryTake(1, out _);
        Assert.Equal(2_000 * PushPacer.DecreaseFactor, pacer.Rate, 3);
    }

    [Fact]
    public void The_rate_does_not_rise_while_no_push_waits_for_it()
    {
        var (pacer, load) = Create(ceiling: 0, initial: 500);
        for (var i = 0; i < 20; i++)
        {
            Answer(load, TimeSpan.FromMilliseconds(250));
            Assert.Equal(1, pacer.TryTake(1, out _));
        }
        Assert.Equal(500, pacer.Rate);
    }

    [Theory]
    [InlineData("MaxPushesPerSecond", -1, "PassGrains:Pushes:Pacing:MaxPushesPerSecond must be 0 (no ceiling) to 1000000")]
    [InlineData("MinPushesPerSecond", 0, "PassGrains:Pushes:Pacing:MinPushesPerSecond must be at least 1 and at most :InitialPushesPerSecond")]
    [InlineData("MinPushesPerSecond", 501, "PassGrains:Pushes:Pacing:MinPushesPerSecond must be at least 1 and at most :InitialPushesPerSecond")]
    [InlineData("MaxPushesPerSecond", 10, "PassGrains:Pushes:Pacing:MinPushesPerSecond must not exceed :MaxPushesPerSecond")]
    public void Impossible_settings_name_themselves(string setting, int value, string message)
    {
        var options = new PushPacingOptions();
        typeof(PushPacingOptions).GetProperty(setting)!.SetValue(options, value);
        Assert.Contains(PassGrains.Server.Configuration.Settings.Problems(options), problem => problem.StartsWith(message, StringComparison.Ordinal));
    }
}
