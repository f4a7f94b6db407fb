namespace PassGrains.Grains.Tests;

/// <summary>What a client does after a grain's write failed: the activation is on its way out, and the next one answers.</summary>
internal static class FailedActivation
{
    /// <summary>Calls <paramref name="call"/> until the activation that failed is gone and a new one answers.</summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception) when (attempt < 50)
            {
                await Task.Delay(20);
            }
        }
    }

    public static Task RetryAsync(Func<Task> call) => RetryAsync(async () =>
    {
        await call();
        return true;
    });
}
