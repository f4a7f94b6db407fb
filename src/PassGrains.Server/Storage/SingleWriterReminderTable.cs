namespace PassGrains.Server.Storage;

/// <summary>
/// Orleans' ADO.NET reminder table on SQLite, its writes taking their turn at the file's one writer
/// (<see cref="SqliteWriteGate"/>) with the grain state's: a schedule stores its reminder and its state one after the
/// other, and thousands made at once would otherwise have the two kinds of write lock each other out.
/// </summary>
public sealed class SingleWriterReminderTable(IReminderTable inner, SqliteWriteGate gate) : IReminderTable
{
    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => inner.StopAsync(cancellationToken);

    public Task<ReminderTableData> ReadRows(GrainId grainId) => inner.ReadRows(grainId);

    public Task<ReminderTableData> ReadRows(uint begin, uint end) => inner.ReadRows(begin, end);

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => inner.ReadRow(grainId, reminderName);

    public Task<string?> UpsertRow(ReminderEntry entry) => gate.WriteAsync(() => inner.UpsertRow(entry));

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) => gate.WriteAsync(() => inner.RemoveRow(grainId, reminderName, eTag));

    public Task TestOnlyClearTable() => gate.WriteAsync(inner.TestOnlyClearTable);

    /// <summary>Wraps the reminder table a silo's services register (Orleans' ADO.NET one) so its writes take their turn.</summary>
    public static void Decorate(IServiceCollection services)
    {
        var registered = services.Last(d => d.ServiceType == typeof(IReminderTable));
        services.Remove(registered);
        services.AddSingleton<IReminderTable>(sp => new SingleWriterReminderTable(Create(sp, registered), sp.GetRequiredService<SqliteWriteGate>()));
    }

    private static IReminderTable Create(IServiceProvider services, ServiceDescriptor registered) => (IReminderTable)(
        registered.ImplementationInstance
        ?? registered.ImplementationFactory?.Invoke(services)
        ?? ActivatorUtilities.CreateInstance(services, registered.ImplementationType!));
}
