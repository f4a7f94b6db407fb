using Orleans.Concurrency;

namespace PassGrains.Abstractions;

/// <summary>
/// One pass (key <see cref="GrainKeys.Pass"/>): its content, version, token and registered devices (the first few in its own
/// state, any further ones in its own sharded device index, <see cref="IGroupShardGrain"/>).
/// </summary>
/// <remarks>
/// The reads devices make (<see cref="GetRenderSource"/>, <see cref="GetStamp"/>) are [ReadOnly]: they wait on the
/// pass's template and group, and one pass can be held by thousands of devices (a coupon with one serial number),
/// so they interleave with each other instead of queueing behind each other's round trips. Writes stay exclusive.
/// </remarks>
public interface IPassGrain : IGrainWithStringKey
{
    Task<PassIssueResult> Issue(PassIssue issue);

    /// <summary>Merges new field values and a merge patch into the pass's own content.</summary>
    Task<PassChangeResult> Change(PassContent change);

    Task<PassChangeResult> Void();

    [ReadOnly]
    Task<PassSummary?> GetSummary();

    /// <summary>The render inputs when <paramref name="authenticationToken"/> is the pass's token; null otherwise (or when unknown).</summary>
    [ReadOnly]
    Task<PassRenderSource?> GetRenderSource(string? authenticationToken);

    /// <summary>Render inputs for the issuer (download links), without a token check.</summary>
    [ReadOnly]
    Task<PassRenderSource?> GetRenderSourceForIssuer();

    [ReadOnly]
    Task<EffectiveStamp?> GetStamp();

    /// <summary>
    /// The pass's <see cref="PassView"/> for the cache of <paramref name="watcher"/>, which from now on hears of every change
    /// of it before that change is acknowledged; null when the pass is not issued (nothing is then kept).
    /// </summary>
    [ReadOnly]
    Task<PassView?> WatchView(SiloAddress watcher);

    Task<RegistrationStatus> Register(string deviceLibraryIdentifier, string pushToken, string? authenticationToken);

    Task<RegistrationStatus> Unregister(string deviceLibraryIdentifier, string? authenticationToken);

    /// <summary>
    /// Records a holder's rewards enrollment (the PersonalizationDictionary's requiredPersonalizationInfo as JSON)
    /// and makes a new version, which Wallet then fetches: the personalized pass, without personalization.json.
    /// </summary>
    Task<bool> Personalize(string requiredPersonalizationInfoJson);

    /// <summary>The dispatcher's answer for pushes this pass owed: delivered or dead tokens are no longer owed.</summary>
    Task ReportPushes(IReadOnlyList<PushReport> reports);

    /// <summary>Removes a device whose push token APNs declared invalid, if it still has that token (called by the device grain).</summary>
    /// <remarks>One-way: the device grain calls it while a registering pass may be waiting on that device.</remarks>
    [Orleans.Concurrency.OneWay]
    Task RemoveRegistration(string deviceLibraryIdentifier, string pushToken);

    /// <summary>
    /// The event feed's follow-up of a reservation this pass made and never appended (its silo may have died after
    /// storing a change): hands the stored outbox to the feed, or releases the reservation when nothing is stored.
    /// </summary>
    /// <remarks>One-way: the feed must not wait for a pass that is waiting for the feed (or for the feed's next activation).</remarks>
    [Orleans.Concurrency.OneWay]
    Task DrainOutbox();

    /// <summary>
    /// Pushes still owed after a change (for the issuer API and the dashboard). For a pass whose registrations outgrew its
    /// state, a change not yet pushed to its whole device index counts every device of that index.
    /// </summary>
    [ReadOnly]
    Task<int> GetOwedPushCount();

    /// <summary>
    /// The shards of the pass's own device index that hold devices (none while its registrations fit in its state): where
    /// a change of the pass fans out (<see cref="IGroupPushGrain"/> under the pass's key).
    /// </summary>
    [ReadOnly]
    Task<IReadOnlyList<int>> GetOccupiedShards();

    /// <summary>Every device of the pass's own device index has been pushed for <paramref name="version"/>.</summary>
    Task PushesSent(long version);
}
