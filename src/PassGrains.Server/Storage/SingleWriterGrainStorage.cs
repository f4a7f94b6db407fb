using Orleans.Storage;

namespace PassGrains.Server.Storage;

/// <summary>
/// SQLite takes one writer at a time; concurrent writers get SQLITE_BUSY, which Microsoft.Data.Sqlite
/// answers by sleeping the thread and retrying (a scheduler thread of the silo, and most of the time
/// of a batch in a profile). Queuing writes here, asynchronously, gives the same order without the sleeps.
/// Reads need no gate: WAL lets them run beside the writer.
/// </summary>
public sealed class SingleWriterGrainStorage(IGrainStorage inner) : IGrainStorage, IDisposable
{
    /// <summary>
    /// How long a write may wait for its turn. Past it the write is refused, never made later: the caller has been told
    /// it failed (503), so a write that landed afterwards would be a change nobody was told of. With the busy timeout
    /// (<see cref="SqliteDatabase.ConnectionString"/>) it stays well inside a grain call's 30 s deadline.
    /// </summary>
    public static readonly TimeSpan QueueDeadline = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _writer = new(1, 1);

    public void Dispose() => _writer.Dispose();

    private async Task WaitForTurnAsync()
    {
        if (!await _writer.WaitAsync(QueueDeadline).ConfigureAwait(false))
            throw new TimeoutException($"storage writes have waited {QueueDeadline.TotalSeconds:0} s for the database: it is locked or slow");
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await WaitForTurnAsync().ConfigureAwait(false);
        try
        {
            await inner.WriteStateAsync(stateName, grainId, grainState).ConfigureAwait(false);
        }
        finally
        {
            _writer.Release();
        }
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await WaitForTurnAsync().ConfigureAwait(false);
        try
        {
            await inner.ClearStateAsync(stateName, grainId, grainState).ConfigureAwait(false);
        }
        finally
        {
            _writer.Release();
        }
    }
}
