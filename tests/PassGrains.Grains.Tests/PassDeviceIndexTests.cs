using System.Security.Cryptography;
using System.Text;
using Orleans.TestingHost;
using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

/// <summary>
/// A pass held by more devices than it keeps in its state (a public coupon with one serial number): the others go to the
/// pass's own sharded device index, its stored row stays small however many devices hold it, and a change reaches every
/// device once, through the same fan-out as a group's.
/// </summary>
public sealed class PassDeviceIndexTests : IAsyncLifetime
{
    /// <summary>
    /// The most a stored pass row may take here: its own values, at most <see cref="PassGrain.InlineRegistrations"/>
    /// registrations and their owed pushes (about 100 bytes each with Wallet-sized ids and tokens), and the index's bitmap.
    /// </summary>
    private const int RowLimit = 6 * 1024;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly FailingGrainStorage _storage = new(new SharedGrainStorage());
    private readonly RecordingPushDispatcher _pushes = new();
    private readonly string _passType = $"pass.com.example.coupon{Guid.NewGuid():N}";
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await StorageTestCluster.StartAsync(2, _ => _storage, _pushes);
        _pushes.ReportTo = _cluster.Client;
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    /// <summary>A device library id of Wallet's shape (32 hex digits).</summary>
    private static string NewDevice() => Guid.NewGuid().ToString("N");

    /// <summary>A push token of APNs' shape (64 hex digits), one per device.</summary>
    private static string PushTokenOf(string device, string generation = "") =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(device + generation)));

    private IDeviceGrain Device(string device) => _cluster.Client.GetGrain<IDeviceGrain>(GrainKeys.Device(device));

    private async Task<(IPassGrain Pass, string Serial, string Token)> IssueAsync()
    {
        var serial = $"coupon-{Guid.NewGuid():N}";
        var pass = _cluster.Client.GetGrain<IPassGrain>(GrainKeys.Pass(_passType, serial));
        Assert.Equal(PassIssueStatus.Created, (await pass.Issue(new PassIssue("tpl", null, new PassContent("""{"offer":"10%"}""", null)))).Status);
        return (pass, serial, (await pass.GetRenderSourceForIssuer())!.AuthenticationToken);
    }

    /// <summary>Registers every device, <paramref name="inFlight"/> at a time, as a crowd of Wallets would.</summary>
    private static async Task RegisterAsync(IPassGrain pass, string token, IReadOnlyList<string> devices, int inFlight = 1)
    {
        foreach (var chunk in devices.Chunk(inFlight))
        {
            var statuses = await Task.WhenAll(chunk.Select(d => pass.Register(d, PushTokenOf(d), token)));
            Assert.All(statuses, s => Assert.Equal(RegistrationStatus.Created, s));
        }
    }

    private int StoredRowBytes(IPassGrain pass) => _storage.Inner.Stored(StorageNames.Pass, pass.GetGrainId())!.ToMemory().Length;

    private void AssertRowSmall(IPassGrain pass)
    {
        var bytes = StoredRowBytes(pass);
        Assert.True(bytes < RowLimit, $"the stored pass takes {bytes} bytes");
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>Changes the pass and waits until every one of <paramref name="devices"/> was pushed and nothing is owed any more.</summary>
    private async Task ChangeAndWaitAsync(IPassGrain pass, IEnumerable<(string Device, string PushToken)> devices, string offer)
    {
        await pass.Change(new PassContent($$"""{"offer":"{{offer}}"}""", null));
        await Task.WhenAll(devices.Select(d => _pushes.SentTo(d.PushToken))).WaitAsync(Deadline);
        await WaitUntilAsync(async () => await pass.GetOwedPushCount() == 0, "the change owes no push");
    }

    /// <summary>How many pushes each token of the pass type had.</summary>
    private Dictionary<string, int> PushesByToken() =>
        _pushes.SentFor(_passType).GroupBy(t => t.PushToken, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    [Fact]
    public async Task A_change_of_a_pass_held_by_5000_devices_pushes_each_device_once_and_the_pass_row_stays_small()
    {
        var (pass, _, token) = await IssueAsync();
        var devices = Enumerable.Range(0, 5000).Select(_ => NewDevice()).ToList();

        await RegisterAsync(pass, token, devices, inFlight: 64);

        Assert.Equal(5000, (await pass.GetSummary())!.Devices);
        AssertRowSmall(pass);
        await ChangeAndWaitAsync(pass, devices.Select(d => (d, PushTokenOf(d))), "2 for 1");
        var pushes = PushesByToken();
        Assert.Equal(5000, pushes.Count);
        Assert.All(devices, d => Assert.Equal(1, pushes[PushTokenOf(d)]));
        // A device's pushes carry only its own device id (the dispatcher removes an invalid token through that device).
        Assert.All(_pushes.SentFor(_passType), t => Assert.Equal(PushTokenOf(t.DeviceLibraryIdentifier), t.PushToken));
        AssertRowSmall(pass);
    }

    [Fact]
    public async Task Unregistering_a_device_in_the_state_or_in_the_index_stops_its_pushes()
    {
        var (pass, serial, token) = await IssueAsync();
        var devices = Enumerable.Range(0, 100).Select(_ => NewDevice()).ToList();
        await RegisterAsync(pass, token, devices);
        var (kept, inIndex) = (devices[3], devices[80]); // registered first: in the pass's state; registered after its bound: in the index

        Assert.Equal(RegistrationStatus.Removed, await pass.Unregister(kept, token));
        Assert.Equal(RegistrationStatus.Removed, await pass.Unregister(inIndex, token));
        Assert.Equal(RegistrationStatus.Removed, await pass.Unregister(inIndex, token)); // again: nothing left to remove

        Assert.Equal(98, (await pass.GetSummary())!.Devices);
        Assert.Null(await Device(inIndex).GetPushToken(_passType, serial));
        var remaining = devices.Where(d => d != kept && d != inIndex).ToList();
        await ChangeAndWaitAsync(pass, remaining.Select(d => (d, PushTokenOf(d))), "20%");
        var pushes = PushesByToken();
        Assert.False(pushes.ContainsKey(PushTokenOf(kept)));
        Assert.False(pushes.ContainsKey(PushTokenOf(inIndex)));
        Assert.All(remaining, d => Assert.Equal(1, pushes[PushTokenOf(d)]));
        AssertRowSmall(pass);
    }

    [Fact]
    public async Task A_device_registered_again_past_the_bound_is_pushed_once_with_its_newest_token()
    {
        var (pass, _, token) = await IssueAsync();
        var devices = Enumerable.Range(0, 100).Select(_ => NewDevice()).ToList();
        await RegisterAsync(pass, token, devices);
        var (moved, renewedInState, renewedInIndex) = (devices[2], devices[5], devices[90]);

        // Unregistered from the pass's state and registered again: now in the index (the state takes no device once it is full).
        await pass.Unregister(moved, token);
        Assert.Equal(RegistrationStatus.Created, await pass.Register(moved, PushTokenOf(moved), token));
        Assert.Equal(RegistrationStatus.AlreadyRegistered, await pass.Register(renewedInState, PushTokenOf(renewedInState, "new"), token));
        Assert.Equal(RegistrationStatus.AlreadyRegistered, await pass.Register(renewedInIndex, PushTokenOf(renewedInIndex, "new"), token));
        Assert.Equal(RegistrationStatus.AlreadyRegistered, await pass.Register(devices[60], PushTokenOf(devices[60]), token));

        Assert.Equal(100, (await pass.GetSummary())!.Devices);
        string TokenNow(string d) => d == renewedInState || d == renewedInIndex ? PushTokenOf(d, "new") : PushTokenOf(d);
        await ChangeAndWaitAsync(pass, devices.Select(d => (d, TokenNow(d))), "30%");
        var pushes = PushesByToken();
        Assert.All(devices, d => Assert.Equal(1, pushes[TokenNow(d)]));
        Assert.False(pushes.ContainsKey(PushTokenOf(renewedInState)));
        Assert.False(pushes.ContainsKey(PushTokenOf(renewedInIndex)));
        Assert.Equal(100, pushes.Count);
        AssertRowSmall(pass);
    }

    [Fact]
    public async Task A_token_apns_declared_invalid_is_removed_from_the_state_and_from_the_index()
    {
        var (pass, serial, token) = await IssueAsync();
        var devices = Enumerable.Range(0, 100).Select(_ => NewDevice()).ToList();
        await RegisterAsync(pass, token, devices);
        var (deadInState, deadInIndex) = (devices[1], devices[70]);

        // What the dispatcher does on 410 or BadDeviceToken: the device drops the registrations of that token, and tells the pass.
        await Device(deadInState).PushTokenInvalid(_passType, PushTokenOf(deadInState));
        await Device(deadInIndex).PushTokenInvalid(_passType, PushTokenOf(deadInIndex));

        await WaitUntilAsync(async () => (await pass.GetSummary())!.Devices == 98, "the pass dropped both registrations");
        Assert.Null(await Device(deadInIndex).GetPushToken(_passType, serial));
        var alive = devices.Where(d => d != deadInState && d != deadInIndex).ToList();
        await ChangeAndWaitAsync(pass, alive.Select(d => (d, PushTokenOf(d))), "40%");
        var pushes = PushesByToken();
        Assert.Equal(98, pushes.Count);
        Assert.All(alive, d => Assert.Equal(1, pushes[PushTokenOf(d)]));
        AssertRowSmall(pass);
    }

    /// <summary>
    /// The writes of a registration past the bound, in order: the pass marks the device's shard (a shard none of its devices
    /// is in yet), the shard stores the entry, the pass stores its count, the device stores its registration.
    /// </summary>
    [Theory]
    [InlineData(StorageNames.Pass, 1)]
    [InlineData(StorageNames.GroupShard, 1)]
    [InlineData(StorageNames.Pass, 2)]
    [InlineData(StorageNames.Device, 1)]
    public async Task A_registration_past_the_bound_whose_write_failed_is_completed_by_its_retry(string failingState, int nth)
    {
        var (pass, serial, token) = await IssueAsync();
        var devices = Enumerable.Range(0, 100).Select(_ => NewDevice()).ToList();
        await RegisterAsync(pass, token, devices);
        var occupied = await pass.GetOccupiedShards();
        var device = Enumerable.Range(0, 10_000).Select(_ => NewDevice()).First(d => !occupied.Contains(IGroupShardGrain.ShardOf(d)));
        _storage.FailWrite(failingState, nth);

        await Assert.ThrowsAnyAsync<Exception>(() => pass.Register(device, PushTokenOf(device), token));

        await FailedActivation.RetryAsync(() => pass.Register(device, PushTokenOf(device), token));
        // What the grains answer from here on is what is stored.
        await _cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Contains(IGroupShardGrain.ShardOf(device), await pass.GetOccupiedShards());
        var shard = _cluster.Client.GetGrain<IGroupShardGrain>(GrainKeys.PassShard(_passType, serial, IGroupShardGrain.ShardOf(device)));
        Assert.Contains(new GroupDevice(device, _passType, PushTokenOf(device)), await shard.GetDevices());
        Assert.Equal(PushTokenOf(device), await Device(device).GetPushToken(_passType, serial));
        var count = (await pass.GetSummary())!.Devices;
        if (failingState == StorageNames.Pass && nth == 2)
            Assert.InRange(count, 100, 101); // the count whose write failed is not taken again (PassDeviceIndexState.Devices)
        else
            Assert.Equal(101, count);
        await ChangeAndWaitAsync(pass, devices.Append(device).Select(d => (d, PushTokenOf(d))), "50%");
        Assert.Equal(1, PushesByToken()[PushTokenOf(device)]);
        AssertRowSmall(pass);
    }
}
