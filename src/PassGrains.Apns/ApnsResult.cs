namespace PassGrains.Apns;

/// <summary>What to do after APNs answered.</summary>
public enum ApnsOutcome
{
    /// <summary>200: accepted.</summary>
    Delivered,

    /// <summary>410 Unregistered/ExpiredToken or 400 BadDeviceToken: remove the registration, never retry.</summary>
    TokenInvalid,

    /// <summary>403: the credential is wrong, expired or revoked; stop pushing for this topic and raise an alarm.</summary>
    CredentialRejected,

    /// <summary>429, 5xx, connection lost or timed out until the retry deadline passed.</summary>
    RetriesExhausted,

    /// <summary>Any other answer (a malformed request, a wrong topic): logged with its reason, not retried.</summary>
    Rejected,
}

/// <summary>The final answer for one push, after retries.</summary>
public sealed record ApnsResult(ApnsOutcome Outcome, int? Status, string? Reason, int Attempts, string? ApnsId = null, DateTimeOffset? TokenInvalidSince = null)
{
    public bool IsDelivered => Outcome == ApnsOutcome.Delivered;

    public override string ToString() => $"{Outcome} ({Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no answer"}{(Reason is null ? "" : " " + Reason)}, {Attempts} attempt{(Attempts == 1 ? "" : "s")})";
}
