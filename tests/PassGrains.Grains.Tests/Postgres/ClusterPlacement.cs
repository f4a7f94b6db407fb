using Orleans.Runtime;
using Orleans.TestingHost;

namespace PassGrains.Grains.Tests.Postgres;

/// <summary>Putting a grain's activation on a chosen silo of a TestCluster, for tests that must know where it dies.</summary>
internal static class ClusterPlacement
{
    /// <summary>How long one migration is waited for before it is asked for again.</summary>
    private static readonly TimeSpan AskAgainAfter = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Moves the grain's activation to <paramref name="silo"/> (activating it first if needed) and waits until it is there,
    /// at most 30 s. TestCluster.MigrateAsync waits for the move with no bound of its own, and right after a killed silo
    /// rejoined it was seen waiting for ever (a CI run of PostgresFailoverTests hung in it: dotnet-dump's dumpasync showed
    /// the test awaiting MigrateAsync with nothing running), so each ask is bounded and made again while the grain is not there.
    /// </summary>
    public static async Task PinAsync(TestCluster cluster, IAddressable grain, SiloAddress silo)
    {
        var id = grain.GetGrainId();
        bool IsThere() => cluster.TryGetGrainContext(id, out var current) && silo.Equals(current?.Address.SiloAddress);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!IsThere())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{id} did not move to {silo}");
            try
            {
                await cluster.MigrateAsync(grain, silo).WaitAsync(AskAgainAfter);
            }
            catch (TimeoutException)
            {
                // Asked again on the next turn, unless it arrived meanwhile.
            }
            var settle = DateTime.UtcNow + AskAgainAfter;
            while (!IsThere() && DateTime.UtcNow < settle)
                await Task.Delay(50);
        }
    }
}
