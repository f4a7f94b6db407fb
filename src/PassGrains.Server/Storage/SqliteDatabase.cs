using System.Reflection;
using Microsoft.Data.Sqlite;
using PassGrains.Storage;

namespace PassGrains.Server.Storage;

/// <summary>
/// The single-node database: one SQLite file in WAL mode under the data directory, with our own
/// versioned schema (Storage/Sqlite/NNNN-*.sql) applied at start in order, each exactly once.
/// </summary>
public static class SqliteDatabase
{
    /// <summary>The ADO.NET invariant under which Orleans loads Microsoft.Data.Sqlite's factory (not the System.Data.SQLite package).</summary>
    public const string Invariant = "System.Data.SQLite";

    /// <summary>The ADO.NET provider's own name; grains use <see cref="Grains.StorageNames.Provider"/>, which queues its writes.</summary>
    public const string StorageName = "passgrains-sqlite";

    public static string ConnectionString(string dataDirectory) => new SqliteConnectionStringBuilder
    {
        DataSource = Path.Combine(dataDirectory, "passgrains.db"),
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        // How long a command waits for a lock another process holds: short, so a locked database answers 503 well inside
        // a grain call's 30 s deadline (SingleWriterGrainStorage bounds the queue in front of it the same way).
        DefaultTimeout = 5,
    }.ToString();

    public static void Migrate(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Execute(connection, "CREATE TABLE IF NOT EXISTS PassGrainsSchema (Version INTEGER NOT NULL PRIMARY KEY, Name TEXT NOT NULL, AppliedOn TEXT NOT NULL);");
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT ifnull(max(Version), 0) FROM PassGrainsSchema;";
        var current = Convert.ToInt32(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);

        foreach (var (version, name, sql) in Scripts().Where(s => s.Version > current))
        {
            using var transaction = connection.BeginTransaction();
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = sql;
                command.ExecuteNonQuery();
            }
            using (var record = connection.CreateCommand())
            {
                record.Transaction = transaction;
                record.CommandText = "INSERT INTO PassGrainsSchema (Version, Name, AppliedOn) VALUES ($v, $n, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));";
                record.Parameters.AddWithValue("$v", version);
                record.Parameters.AddWithValue("$n", name);
                record.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }

    private static IEnumerable<(int Version, string Name, string Sql)> Scripts() =>
        SchemaScripts.Read(Assembly.GetExecutingAssembly(), "PassGrains.Server.Storage.Sqlite.");

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
