namespace PassGrains.Server.Pushes;

/// <summary>
/// On a graceful stop, drains the push dispatcher while the silo is still active: its pass grains can
/// still take the reports, so their owed pushes are cleared instead of sent again by another silo.
/// The web front end has stopped taking requests by then (hosted services stop in reverse order).
/// </summary>
public sealed class PushDrainOnShutdown(PushDispatcher dispatcher) : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>Long enough for APNs to answer what is in flight; anything slower is re-driven elsewhere.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PushDrainOnShutdown), ServiceLifecycleStage.Active, _ => Task.CompletedTask, async cancellationToken =>
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(Deadline);
            await dispatcher.DrainAsync(deadline.Token);
        });
}
