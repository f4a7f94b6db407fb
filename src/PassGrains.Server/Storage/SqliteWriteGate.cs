namespace PassGrains.Server.Storage;

/// <summary>
/// The one writer SQLite takes at a time, shared by everything of the silo that writes to its file (grain state,
/// reminders): writers queue here, asynchronously, instead of meeting SQLITE_BUSY, which Microsoft.Data.Sqlite answers
/// by sleeping a thread and retrying. Reads need no turn: WAL lets them run beside the writer.
/// </summary>
public sealed class SqliteWriteGate : IDisposable
{
    /// <summary>
    /// How long a write may wait for its turn. Past it the write is refused, never made later: the caller has been told
    /// it failed (503), so a write that landed afterwards would be a change nobody was told of. With the busy timeout
    /// (<see cref="SqliteDatabase.ConnectionString"/>) it stays well inside a grain call's 30 s deadline.
    /// </summary>
    public static readonly TimeSpan QueueDeadline = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _writer = new(1, 1);

    public void Dispose() => _writer.Dispose();

    /// <summary>Runs <paramref name="write"/> when it is this writer's turn.</summary>
    public async Task<T> WriteAsync<T>(Func<Task<T>> write)
    {
        if (!await _writer.WaitAsync(QueueDeadline).ConfigureAwait(false))
            throw new TimeoutException($"storage writes have waited {QueueDeadline.TotalSeconds:0} s for the database: it is locked or slow");
        try
        {
            return await write().ConfigureAwait(false);
        }
        finally
        {
            _writer.Release();
        }
    }

    public Task WriteAsync(Func<Task> write) => WriteAsync(async () =>
    {
        await write().ConfigureAwait(false);
        return true;
    });
}
