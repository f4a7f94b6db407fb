using Orleans.Runtime;

namespace PassGrains.Grains.Tests.Postgres;

/// <summary>Calls of the cluster tests that kill a silo: retried while the silo's death is still being noticed.</summary>
internal static class SiloLossRetry
{
    /// <summary>Retries a call while a silo's death is still being noticed (at most 60 s); anything else fails the test.</summary>
    public static async Task<T> Retry<T>(Func<Task<T>> call)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }
}
