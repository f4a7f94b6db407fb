using Npgsql;
using PassGrains.Storage;

namespace PassGrains.Grains.Tests.Postgres;

/// <summary>Runs only where a PostgreSQL server is given (.ci/run starts one from the installed binaries).</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public const string Variable = "PASSGRAINS_TEST_POSTGRES";

    public PostgresFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
            Skip = $"no PostgreSQL: set {Variable} to a connection string of a server where databases may be created";
    }
}

/// <summary>
/// A database of its own for one test, with the production schema applied by the production migrator,
/// so a run never sees another run's membership rows, grain state or reminders.
/// </summary>
public sealed class PostgresTestDatabase : IAsyncDisposable
{
    private readonly string _admin;
    private readonly string _name;

    private PostgresTestDatabase(string admin, string name, string connectionString)
    {
        _admin = admin;
        _name = name;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    /// <param name="maxPoolSize">
    /// Every silo of an in-process cluster shares one Npgsql pool (pools are per connection string and
    /// process), so this bounds the whole cluster's connections, as PassGrains:Storage:MaxPoolSize does per silo.
    /// </param>
    public static async Task<PostgresTestDatabase> CreateAsync(int maxPoolSize)
    {
        var admin = Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable)
            ?? throw new InvalidOperationException($"{PostgresFactAttribute.Variable} is not set");
        var name = $"passgrains_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name, MaxPoolSize = maxPoolSize }.ConnectionString;
        var applied = await PostgresSchema.MigrateAsync(connectionString);
        if (applied.Count == 0)
            throw new InvalidOperationException($"no schema script was applied to the new database {name}");
        return new PostgresTestDatabase(admin, name, connectionString);
    }

    /// <summary>Reminder rows by name, as the ADO.NET reminder service stored them: what a crash would leave to re-drive.</summary>
    public async Task<long> CountRemindersAsync(string reminderName)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM OrleansRemindersTable WHERE ReminderName = @name", connection);
        count.Parameters.AddWithValue("name", reminderName);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>Reminder rows of the grains whose id contains <paramref name="grainIdPart"/>, whatever the reminders' names.</summary>
    public async Task<IReadOnlyList<(string GrainId, string ReminderName)>> RemindersOfAsync(string grainIdPart)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var select = new NpgsqlCommand("SELECT GrainId, ReminderName FROM OrleansRemindersTable WHERE strpos(GrainId, @part) > 0 ORDER BY GrainId", connection);
        select.Parameters.AddWithValue("part", grainIdPart);
        await using var reader = await select.ExecuteReaderAsync();
        var rows = new List<(string, string)>();
        while (await reader.ReadAsync())
            rows.Add((reader.GetString(0), reader.GetString(1)));
        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        // The silos are gone, but their pooled connections stay open until cleared; FORCE ends any straggler.
        await using (var pooled = new NpgsqlConnection(ConnectionString))
            NpgsqlConnection.ClearPool(pooled);
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
