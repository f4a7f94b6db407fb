using PassGrains.Storage;

namespace PassGrains.Server.Storage;

/// <summary>Applies the PostgreSQL schema before the silo starts (hosted services start in registration order).</summary>
internal sealed partial class PostgresMigration(string connectionString) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken) =>
        await PostgresSchema.MigrateAsync(connectionString, cancellationToken).ConfigureAwait(false);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
