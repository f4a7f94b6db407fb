using System.ComponentModel.DataAnnotations;

namespace PassGrains.Server.Webhooks;

/// <summary>The <c>PassGrains:Webhooks</c> configuration section, checked at start-up.</summary>
public sealed class WebhookOptions : IValidatableObject
{
    public const string Section = "PassGrains:Webhooks";

    /// <summary>
    /// Let webhooks reach loopback, private, link-local and other non-public addresses. Off by default: an
    /// issuer key must not be a way to make the server POST into its own network (cloud metadata, admin
    /// ports, databases). Turn on only where every receiver is inside a trusted network (and in tests).
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Time allowed for one delivery attempt: connecting, sending, and the receiver's status line.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long one event is retried (network errors, non-2xx, redirects) before it is given up and the webhook's delivery
    /// goes on with the next (the event stays readable in <c>GET /api/events</c>).
    /// </summary>
    public TimeSpan RetryDeadline { get; set; } = TimeSpan.FromMinutes(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AttemptTimeout < TimeSpan.FromMilliseconds(100) || AttemptTimeout > TimeSpan.FromMinutes(2))
            yield return new ValidationResult($"{Section}:AttemptTimeout must be between 00:00:00.1 and 00:02:00", [nameof(AttemptTimeout)]);
        if (RetryDeadline < TimeSpan.Zero || RetryDeadline > TimeSpan.FromDays(1))
            yield return new ValidationResult($"{Section}:RetryDeadline must be between 0 and 1.00:00:00", [nameof(RetryDeadline)]);
    }
}
