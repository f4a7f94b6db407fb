using PassGrains.Apns;

namespace PassGrains.Apns.Tests;

/// <summary>Every answer APNs documents, and what a pass server makes of it.</summary>
public sealed class ApnsClassifyTests
{
    [Theory]
    [InlineData(200, null, ApnsOutcome.Delivered)]
    // 400: a bad token means "delete the device"; everything else is a malformed request.
    [InlineData(400, "BadDeviceToken", ApnsOutcome.TokenInvalid)]
    [InlineData(400, "DeviceTokenNotForTopic", ApnsOutcome.Rejected)]
    [InlineData(400, "BadCollapseId", ApnsOutcome.Rejected)]
    [InlineData(400, "BadExpirationDate", ApnsOutcome.Rejected)]
    [InlineData(400, "BadMessageId", ApnsOutcome.Rejected)]
    [InlineData(400, "BadPriority", ApnsOutcome.Rejected)]
    [InlineData(400, "BadTopic", ApnsOutcome.Rejected)]
    [InlineData(400, "DuplicateHeaders", ApnsOutcome.Rejected)]
    [InlineData(400, "IdleTimeout", ApnsOutcome.Rejected)]
    [InlineData(400, "InvalidPushType", ApnsOutcome.Rejected)]
    [InlineData(400, "MissingDeviceToken", ApnsOutcome.Rejected)]
    [InlineData(400, "MissingTopic", ApnsOutcome.Rejected)]
    [InlineData(400, "PayloadEmpty", ApnsOutcome.Rejected)]
    [InlineData(400, "TopicDisallowed", ApnsOutcome.Rejected)]
    [InlineData(400, null, ApnsOutcome.Rejected)]
    // 403: credential problems.
    [InlineData(403, "BadCertificate", ApnsOutcome.CredentialRejected)]
    [InlineData(403, "BadCertificateEnvironment", ApnsOutcome.CredentialRejected)]
    [InlineData(403, "ExpiredProviderToken", ApnsOutcome.CredentialRejected)]
    [InlineData(403, "Forbidden", ApnsOutcome.CredentialRejected)]
    [InlineData(403, "InvalidProviderToken", ApnsOutcome.CredentialRejected)]
    [InlineData(403, "MissingProviderToken", ApnsOutcome.CredentialRejected)]
    [InlineData(403, "UnrelatedKeyIdInToken", ApnsOutcome.CredentialRejected)]
    [InlineData(403, "BadEnvironmentKeyIdInToken", ApnsOutcome.CredentialRejected)]
    [InlineData(403, null, ApnsOutcome.CredentialRejected)]
    [InlineData(404, "BadPath", ApnsOutcome.Rejected)]
    [InlineData(405, "MethodNotAllowed", ApnsOutcome.Rejected)]
    // 410: the token is gone.
    [InlineData(410, "ExpiredToken", ApnsOutcome.TokenInvalid)]
    [InlineData(410, "Unregistered", ApnsOutcome.TokenInvalid)]
    [InlineData(413, "PayloadTooLarge", ApnsOutcome.Rejected)]
    // Retried with back-off (reported as RetriesExhausted only when the deadline passes).
    [InlineData(429, "TooManyRequests", ApnsOutcome.RetriesExhausted)]
    [InlineData(429, "TooManyProviderTokenUpdates", ApnsOutcome.RetriesExhausted)]
    [InlineData(500, "InternalServerError", ApnsOutcome.RetriesExhausted)]
    [InlineData(503, "ServiceUnavailable", ApnsOutcome.RetriesExhausted)]
    [InlineData(503, "Shutdown", ApnsOutcome.RetriesExhausted)]
    [InlineData(502, null, ApnsOutcome.RetriesExhausted)]
    public void Classify_follows_the_spec_table(int status, string? reason, ApnsOutcome expected) =>
        Assert.Equal(expected, ApnsClient.Classify(status, reason));

    [Theory]
    [InlineData(ApnsOutcome.Delivered, true)]
    [InlineData(ApnsOutcome.TokenInvalid, false)]
    [InlineData(ApnsOutcome.CredentialRejected, false)]
    [InlineData(ApnsOutcome.RetriesExhausted, false)]
    [InlineData(ApnsOutcome.Rejected, false)]
    public void Only_delivered_counts_as_delivered(ApnsOutcome outcome, bool delivered) =>
        Assert.Equal(delivered, new ApnsResult(outcome, 200, null, 1).IsDelivered);
}
