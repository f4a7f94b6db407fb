using System.ComponentModel.DataAnnotations;

namespace PassGrains.Server.Pushes;

/// <summary>
/// How fast a silo's dispatcher sends pushes (<c>PassGrains:Pushes:Pacing</c>), checked at start. Every push wakes a device
/// that then lists its changed passes and downloads one (a signature): <see cref="PushPacer"/> sends them at the rate this
/// silo answers those devices, and never faster than <see cref="MaxPushesPerSecond"/>.
/// </summary>
public sealed class PushPacingOptions : IValidatableObject
{
    public const string Section = "PassGrains:Pushes:Pacing";

    /// <summary>The most pushes a second this silo sends, whatever its load; 0: no ceiling.</summary>
    public int MaxPushesPerSecond { get; set; }

    /// <summary>
    /// Adapt the rate to this silo's own load (<see cref="WalletLoad"/>): up while the wallet web service answers within
    /// <see cref="TargetLatency"/>, down when it does not. Off: pushes go at <see cref="MaxPushesPerSecond"/> (with 0, unpaced).
    /// </summary>
    public bool Adaptive { get; set; } = true;

    /// <summary>The rate a silo starts at, and the least it adds each second while devices are answered fast.</summary>
    public int InitialPushesPerSecond { get; set; } = 500;

    /// <summary>The least the adaptive rate falls to, however slow the answers: pushes are owed and keep going out.</summary>
    public int MinPushesPerSecond { get; set; } = 50;

    /// <summary>
    /// How long a wallet web service request may take (its own time, or the queue it would wait behind) before the rate falls.
    /// Well under Wallet's patience, and long enough that the queue it allows keeps every core busy while the rate moves.
    /// </summary>
    public TimeSpan TargetLatency { get; set; } = TimeSpan.FromSeconds(1);

    public const int MostPushesPerSecond = 1_000_000;

    public bool Paces => Adaptive || MaxPushesPerSecond > 0;

    /// <summary>The highest rate the pacer may reach.</summary>
    public int Ceiling => MaxPushesPerSecond > 0 ? MaxPushesPerSecond : MostPushesPerSecond;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxPushesPerSecond is < 0 or > MostPushesPerSecond)
            yield return new ValidationResult($"{Section}:MaxPushesPerSecond must be 0 (no ceiling) to {MostPushesPerSecond}", [nameof(MaxPushesPerSecond)]);
        if (InitialPushesPerSecond is < 1 or > MostPushesPerSecond || MinPushesPerSecond < 1 || MinPushesPerSecond > InitialPushesPerSecond)
        {
            yield return new ValidationResult($"{Section}:MinPushesPerSecond must be at least 1 and at most :InitialPushesPerSecond (at most {MostPushesPerSecond})",
                [nameof(MinPushesPerSecond), nameof(InitialPushesPerSecond)]);
        }
        if (Adaptive && MaxPushesPerSecond > 0 && MinPushesPerSecond > MaxPushesPerSecond)
            yield return new ValidationResult($"{Section}:MinPushesPerSecond must not exceed :MaxPushesPerSecond", [nameof(MinPushesPerSecond), nameof(MaxPushesPerSecond)]);
        if (TargetLatency <= TimeSpan.Zero || TargetLatency > TimeSpan.FromMinutes(1))
            yield return new ValidationResult($"{Section}:TargetLatency must be positive and at most a minute", [nameof(TargetLatency)]);
    }
}
