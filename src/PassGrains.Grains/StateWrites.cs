namespace PassGrains.Grains;

/// <summary>
/// How every grain here stores its state. A grain changes its state in memory, then writes it; when the write
/// fails, memory is ahead of storage, and a retried request would find its own unsaved change and skip the write
/// (a registration answered 200 that was never stored). So a failed write ends the activation: the caller gets the
/// error (a 503 to the client), and the next call, the retry among them, reads what is stored and does the work again.
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
        catch
        {
            grain.DeactivateOnIdle();
            throw;
        }
    }
}
