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
    private readonly SemaphoreSlim _writer = new(1, 1);

    public void Dispose() => _writer.Dispose();

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await _writer.WaitAsync().ConfigureAwait(false);
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
        await _writer.WaitAsync().ConfigureAwait(false);
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
