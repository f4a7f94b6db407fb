using Orleans.Storage;

namespace PassGrains.Server.Storage;

/// <summary>Grain state on SQLite, its writes taking their turn at the file's one writer (<see cref="SqliteWriteGate"/>).</summary>
public sealed class SingleWriterGrainStorage(IGrainStorage inner, SqliteWriteGate gate) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        gate.WriteAsync(() => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        gate.WriteAsync(() => inner.ClearStateAsync(stateName, grainId, grainState));
}
