using System.Globalization;
using System.Reflection;
using Npgsql;

namespace PassGrains.Storage;

/// <summary>
/// Applies the PostgreSQL schema (Postgres/NNNN-*.sql, in order, each once, recorded in PassGrainsSchema).
/// Idempotent, and safe when several silos start at once: an advisory lock lets one migrate at a time.
/// </summary>
public static class PostgresSchema
{
    /// <summary>The ADO.NET invariant under which Orleans loads Npgsql.</summary>
    public const string Invariant = "Npgsql";

    private const long MigrationLock = 0x5061737347726169; // "PassGrai"

    /// <returns>The scripts applied now (empty when the schema was current).</returns>
    public static async Task<IReadOnlyList<string>> MigrateAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({MigrationLock});", cancellationToken).ConfigureAwait(false);
        await Execute(connection, transaction,
            "CREATE TABLE IF NOT EXISTS PassGrainsSchema (Version integer PRIMARY KEY, Name text NOT NULL, AppliedOn timestamptz NOT NULL DEFAULT now());",
            cancellationToken).ConfigureAwait(false);
        await using var read = new NpgsqlCommand("SELECT coalesce(max(Version), 0) FROM PassGrainsSchema;", connection, transaction);
        var current = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        var applied = new List<string>();
        foreach (var (version, name, sql) in Scripts().Where(s => s.Version > current))
        {
            await Execute(connection, transaction, sql, cancellationToken).ConfigureAwait(false);
            await using var record = new NpgsqlCommand("INSERT INTO PassGrainsSchema (Version, Name) VALUES (@v, @n);", connection, transaction);
            record.Parameters.AddWithValue("v", version);
            record.Parameters.AddWithValue("n", name);
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            applied.Add(name);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return applied;
    }

    public static int LatestVersion => Scripts().Max(s => s.Version);

    private static IEnumerable<(int Version, string Name, string Sql)> Scripts() =>
        SchemaScripts.Read(Assembly.GetExecutingAssembly(), "PassGrains.Storage.Postgres.");

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
