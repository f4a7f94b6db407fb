using Orleans.Storage;
using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>
/// How every grain here stores its state. A grain changes its state in memory, then writes it; when the write
/// fails, memory is ahead of storage, and a retried request would find its own unsaved change and skip the write
/// (a registration answered 200 that was never stored). So a failed write ends the activation: the caller gets
/// <see cref="StorageUnavailableException"/> (a 503 to the client), and the next call, the retry among them, reads
/// what is stored and does the work again. A conflict (<see cref="InconsistentStateException"/>: the row changed
/// under this activation) is passed on as it is, for the grains that expect one.
/// </summary>
internal static class StateWrites
{
    public static async Task WriteOrForgetAsync<TState>(this IPersistentState<TState> state, IGrainBase grain, bool clear = false)
    {
        try
        {
            if (clear)
                await state.ClearStateAsync();
            else
                await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            grain.DeactivateOnIdle();
            if (e is InconsistentStateException)
                throw;
            throw new StorageUnavailableException($"the grain's state could not be stored: {Describe(e)}");
        }
    }

    /// <summary>
    /// The innermost failure as text. Not as an inner exception: the exception crosses silos, and a database's own
    /// exception types have no Orleans codec (the call would fail with CodecNotFoundException, a 500, instead).
    /// </summary>
    private static string Describe(Exception e)
    {
        while (e.InnerException is { } inner)
            e = inner;
        var message = e.Message.ReplaceLineEndings(" ");
        return $"{e.GetType().Name}: {(message.Length > 300 ? message[..300] : message)}";
    }

    /// <summary>Reads the stored state again; on failure memory stays as it was, and the caller is told to retry.</summary>
    public static async Task ReadOrFailAsync<TState>(this IPersistentState<TState> state)
    {
        try
        {
            await state.ReadStateAsync();
        }
        catch (Exception e)
        {
            throw new StorageUnavailableException($"the grain's state could not be read: {Describe(e)}");
        }
    }
}
