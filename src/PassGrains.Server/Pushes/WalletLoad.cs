namespace PassGrains.Server.Pushes;

/// <summary>
/// What the devices that pushes wake cost this silo: wallet web service requests (<c>/v1/…</c>) in flight, and the count and
/// total time of those answered, each up to the moment its answer starts (sending it is the phone's pace, not this silo's load).
/// A middleware in front of every endpoint records each request (<see cref="PushesHosting.UsePushPacing"/>); <see cref="PushPacer"/>
/// reads <see cref="Sample"/> every few hundred milliseconds. Three atomic operations a request here (and, in the middleware, one
/// small object and one more to finish it once).
/// </summary>
public sealed class WalletLoad(TimeProvider time)
{
    private long _inFlight;
    private long _answered;
    private long _answeredTicks;

    /// <summary>A request begins; hand the answer to <see cref="Finished"/>.</summary>
    public long Started()
    {
        Interlocked.Increment(ref _inFlight);
        return time.GetTimestamp();
    }

    /// <summary>The request that <see cref="Started"/> answered <paramref name="startedAt"/> is done (answered or failed).</summary>
    public void Finished(long startedAt)
    {
        var elapsed = time.GetTimestamp() - startedAt;
        Interlocked.Add(ref _answeredTicks, elapsed);
        Interlocked.Increment(ref _answered);
        Interlocked.Decrement(ref _inFlight);
    }

    public WalletLoadSample Sample() =>
        new(Volatile.Read(ref _inFlight), Volatile.Read(ref _answered), Volatile.Read(ref _answeredTicks), time.TimestampFrequency);
}

/// <summary>
/// A reading of <see cref="WalletLoad"/>: requests in flight now, and requests answered (with their total time, in
/// <paramref name="TimestampFrequency"/> ticks) since the silo started.
/// </summary>
public readonly record struct WalletLoadSample(long InFlight, long Answered, long AnsweredTicks, long TimestampFrequency)
{
    /// <summary>
    /// How long a request arriving now waits to be answered, from what happened since <paramref name="earlier"/>, which was
    /// <paramref name="elapsed"/> ago: the longer of the mean time of the requests answered meanwhile, and the requests in flight
    /// over the rate they were answered at (Little's law: the queue a new one joins). None answered counts as one, so requests
    /// piling up unanswered read as slow.
    /// </summary>
    public TimeSpan DelaySince(WalletLoadSample earlier, TimeSpan elapsed)
    {
        var answered = Answered - earlier.Answered;
        var mean = answered > 0 ? (double)(AnsweredTicks - earlier.AnsweredTicks) / answered / TimestampFrequency : 0;
        var queue = InFlight > 0 ? InFlight * elapsed.TotalSeconds / Math.Max(answered, 1) : 0;
        return TimeSpan.FromSeconds(Math.Min(Math.Max(mean, queue), TimeSpan.FromDays(1).TotalSeconds));
    }
}
