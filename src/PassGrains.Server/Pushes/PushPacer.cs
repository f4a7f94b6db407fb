using Microsoft.Extensions.Options;

namespace PassGrains.Server.Pushes;

/// <summary>
/// Paces this silo's pushes (<see cref="PushPacingOptions"/>): a token bucket that the dispatcher's send loop asks before
/// each run of pushes, holding at most <see cref="Burst"/> of the rate. Adaptive, the rate follows this silo's own load
/// (<see cref="WalletLoad"/>): every <see cref="AdjustEvery"/> it reads how long a wallet web service request waits now; above
/// the target latency the rate falls by <see cref="DecreaseFactor"/> (then holds for <see cref="HoldAfterDecrease"/>, while the
/// pushes sent before the cut still arrive), under half the target and while pushes were waiting for their turn it rises by
/// the larger of a quarter of the initial rate and a tenth of its own. Always between the minimum and the ceiling.
/// A push waiting here is still owed by its pass or group: the pacer only says when it goes.
/// </summary>
public sealed class PushPacer
{
    public static readonly TimeSpan AdjustEvery = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan HoldAfterDecrease = TimeSpan.FromSeconds(1);

    /// <summary>The pushes a pacer lets go at once after a pause: this much of its rate (and at least one).</summary>
    public static readonly TimeSpan Burst = TimeSpan.FromMilliseconds(50);

    /// <summary>The least a waiting sender waits for: timers are not finer, and the bucket refills meanwhile.</summary>
    private static readonly TimeSpan Quantum = TimeSpan.FromMilliseconds(10);

    public const double DecreaseFactor = 0.7;

    private readonly PushPacingOptions _options;
    private readonly WalletLoad _load;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private double _rate;
    private double _tokens;
    private long _refilledAt;
    private long _adjustedAt;
    private long? _decreasedAt;
    private bool _waited;
    private WalletLoadSample _lastSample;
    private long _lastDelayTicks;

    public PushPacer(IOptions<PushPacingOptions> options, WalletLoad load, TimeProvider time)
    {
        _options = options.Value;
        _load = load;
        _time = time;
        _rate = _options.Adaptive ? Math.Min(_options.InitialPushesPerSecond, _options.Ceiling) : _options.Ceiling;
        _tokens = Capacity;
        _refilledAt = _adjustedAt = time.GetTimestamp();
        _lastSample = load.Sample();
    }

    /// <summary>False when nothing is paced (no ceiling, not adaptive): every push goes at once.</summary>
    public bool Paces => _options.Paces;

    /// <summary>True when the rate follows this silo's load (<see cref="WalletLoad"/>).</summary>
    public bool Adapts => _options.Adaptive;

    /// <summary>The pushes per second this silo sends at most now.</summary>
    public double Rate
    {
        get
        {
            lock (_lock)
                return _rate;
        }
    }

    /// <summary>How long a wallet web service request waited at the last adjustment (the signal the rate follows).</summary>
    public TimeSpan LastDelay => TimeSpan.FromTicks(Interlocked.Read(ref _lastDelayTicks));

    private double Capacity => Math.Max(1, _rate * Burst.TotalSeconds);

    /// <summary>Takes up to <paramref name="wanted"/> pushes' turns now; when none is free, 0 and how long until some are.</summary>
    public int TryTake(int wanted, out TimeSpan wait)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(wanted);
        wait = TimeSpan.Zero;
        if (!Paces)
            return wanted;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            Adjust(now);
            _tokens = Math.Min(Capacity, _tokens + _time.GetElapsedTime(_refilledAt, now).TotalSeconds * _rate);
            _refilledAt = now;
            var free = (int)Math.Min(wanted, Math.Floor(_tokens));
            if (free < wanted)
                _waited = true;
            if (free > 0)
            {
                _tokens -= free;
                return free;
            }
            var enough = Math.Min(wanted, Math.Max(1, _rate * Quantum.TotalSeconds));
            wait = TimeSpan.FromSeconds((enough - _tokens) / _rate);
            return 0;
        }
    }

    /// <summary>Waits until at least one of <paramref name="wanted"/> pushes may go, and takes as many turns as are free (at most <paramref name="wanted"/>).</summary>
    public async ValueTask<int> TakeAsync(int wanted, CancellationToken cancellationToken)
    {
        while (true)
        {
            var taken = TryTake(wanted, out var wait);
            if (taken > 0)
                return taken;
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Adjust(long now)
    {
        var elapsed = _time.GetElapsedTime(_adjustedAt, now);
        if (!_options.Adaptive || elapsed < AdjustEvery)
            return;
        var sample = _load.Sample();
        var delay = sample.DelaySince(_lastSample, elapsed);
        Interlocked.Exchange(ref _lastDelayTicks, delay.Ticks);
        var waited = _waited;
        (_lastSample, _adjustedAt, _waited) = (sample, now, false);
        if (_decreasedAt is { } decreased && _time.GetElapsedTime(decreased, now) < HoldAfterDecrease)
            return;
        var target = _options.TargetLatency;
        if (delay > target)
        {
            _rate = Math.Max(Math.Min(_options.MinPushesPerSecond, _options.Ceiling), _rate * DecreaseFactor);
            _decreasedAt = now;
        }
        else if (waited && delay < target / 2)
        {
            _rate = Math.Min(_options.Ceiling, _rate + Math.Max(_options.InitialPushesPerSecond / 4.0, _rate / 10));
        }
        _tokens = Math.Min(_tokens, Capacity);
    }
}
