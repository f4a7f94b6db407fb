using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;

namespace PassGrains.Grains.Tests;

/// <summary>
/// An in-process cluster whose grains store through a storage double the test holds (made from each silo's services),
/// push to a recording dispatcher, and keep reminders in memory: the setup of every test that puts a fault under the grains.
/// Given <paramref name="schedules"/>, schedules' changes are recorded there (<see cref="LedgerScheduledChangeRunner"/>).
/// </summary>
internal static class StorageTestCluster
{
    public static async Task<InProcessTestCluster> StartAsync(
        short silos, Func<IServiceProvider, IGrainStorage> storage, RecordingPushDispatcher pushes, ScheduleRunLedger? schedules = null)
    {
        var tokens = new PassTokens(RandomNumberGenerator.GetBytes(32));
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Provider, (services, _) => storage(services));
            silo.Services.AddSingleton(tokens);
            silo.Services.AddSingleton(TimeProvider.System);
            silo.Services.AddSingleton<IPushDispatcher>(pushes);
            if (schedules is not null)
            {
                silo.Services.AddSingleton<IScheduledChangeRunner>(services => new LedgerScheduledChangeRunner(
                    schedules, services.GetRequiredService<ILocalSiloDetails>().SiloAddress));
            }
            silo.UseInMemoryReminderService();
            // The event feed follows up a source's reservation this long after it was made (10 s in production).
            silo.Services.Configure<EventFeedOptions>(o => o.OrphanedAfter = TimeSpan.FromSeconds(1));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
