using System.CommandLine;
using Npgsql;
using PassGrains.Storage;

namespace PassGrains.Cli.Commands;

public static class DbCommands
{
    public static Command Create()
    {
        var connection = new Option<string>("--connection") { Description = "PostgreSQL connection string, e.g. \"Host=db;Username=passgrains;Password=...;Database=passgrains\"", Required = true };
        var migrate = new Command("migrate", "Apply the PostgreSQL schema (clustering, grain persistence, reminders); safe to run again") { connection };
        migrate.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                var applied = await PostgresSchema.MigrateAsync(result.GetValue(connection)!, cancellationToken);
                Console.WriteLine(applied.Count == 0
                    ? $"schema is current (version {PostgresSchema.LatestVersion})"
                    : $"applied {string.Join(", ", applied)}; schema version {PostgresSchema.LatestVersion}");
                return ExitCodes.Success;
            }
            catch (Exception e) when (e is NpgsqlException or ArgumentException or InvalidOperationException)
            {
                Console.Error.WriteLine($"error database: {e.Message}");
                return ExitCodes.InvalidInput;
            }
        });
        return new Command("db", "Database schema") { migrate };
    }
}
