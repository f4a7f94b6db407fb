using System.Globalization;
using PassGrains.Apns;
using Xunit.Abstractions;

namespace PassGrains.Apns.Tests;

/// <summary>The client against the in-process APNs double, with certificate authentication.</summary>
public sealed class ApnsClientTests : IAsyncLifetime
{
    private const string PassType = TestCertificates.PassType;
    private ApnsDouble _apns = null!;
    private readonly ITestOutputHelper _output;
    private ApnsClient _client = null!;

    public ApnsClientTests(ITestOutputHelper output) => _output = output;

    public async Task InitializeAsync()
    {
        _apns = await ApnsDouble.StartAsync(TestCertificates.Chain);
        _client = NewClient(_apns.ClientOptions);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _apns.DisposeAsync();
    }

    private static ApnsClient NewClient(ApnsOptions options) =>
        new(options, new ApnsCertificateCredentials(TestCertificates.ClientCertificate(TestCertificates.Chain)));

    private static string Token(int n = 1) => n.ToString("x64", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Accepted_push_is_one_http2_post_with_the_pass_headers_and_an_empty_dictionary()
    {
        var token = Token(0xabc);
        var before = DateTimeOffset.UtcNow;

        var result = await _client.SendAsync(token, PassType);

        Assert.Equal(ApnsOutcome.Delivered, result.Outcome);
        Assert.True(result.IsDelivered);
        Assert.Equal(200, result.Status);
        Assert.Equal(1, result.Attempts);
        var request = Assert.Single(_apns.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/3/device/{token}", request.Path);
        Assert.Equal(token, request.Token);
        Assert.Equal("HTTP/2", request.Protocol);
        Assert.Equal("{}", request.BodyText);
        Assert.Equal(PassType, request.Topic);
        Assert.Equal("background", request.PushType);
        Assert.Equal("5", request.Priority);
        Assert.NotNull(request.Expiration);
        var expiration = DateTimeOffset.FromUnixTimeSeconds(long.Parse(request.Expiration, CultureInfo.InvariantCulture));
        Assert.True(expiration > before, $"apns-expiration {expiration:O} is not in the future");
        Assert.Null(request.Authorization);
        Assert.Equal(TestCertificates.ClientCertificate(TestCertificates.Chain).Subject, request.ClientCertificateSubject);
        Assert.Contains("Pass Type ID: " + PassType, request.ClientCertificateSubject, StringComparison.Ordinal);
        Assert.NotNull(result.ApnsId);
        Assert.True(Guid.TryParse(result.ApnsId, out _));
    }

    [Fact]
    public async Task Apns_id_of_the_answer_is_reported()
    {
        var first = await _client.SendAsync(Token(1), PassType);
        var second = await _client.SendAsync(Token(2), PassType);

        Assert.NotNull(first.ApnsId);
        Assert.NotNull(second.ApnsId);
        Assert.NotEqual(first.ApnsId, second.ApnsId);
    }

    [Fact]
    public async Task Several_pushes_reuse_one_connection()
    {
        for (var i = 0; i < 5; i++)
            Assert.True((await _client.SendAsync(Token(i), PassType)).IsDelivered);

        Assert.Equal(5, _apns.Requests.Count);
        Assert.Single(_apns.Requests.Select(r => r.ConnectionId).Distinct());
        Assert.Equal(1, _apns.ConnectionsAccepted);
    }

    [Fact]
    public async Task Unregistered_410_is_token_invalid_with_its_timestamp_and_not_retried()
    {
        var since = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddDays(-3).ToUnixTimeMilliseconds());
        _apns.Script(Token(), ApnsReply.Unregistered(since));

        var result = await _client.SendAsync(Token(), PassType);

        Assert.Equal(ApnsOutcome.TokenInvalid, result.Outcome);
        Assert.Equal(410, result.Status);
        Assert.Equal("Unregistered", result.Reason);
        Assert.Equal(since, result.TokenInvalidSince);
        Assert.Equal(1, result.Attempts);
        Assert.Single(_apns.RequestsFor(Token()));
    }

    [Fact]
    public async Task Expired_token_410_is_token_invalid()
    {
        _apns.Script(Token(), ApnsReply.Error(410, "ExpiredToken"));

        var result = await _client.SendAsync(Token(), PassType);

        Assert.Equal(ApnsOutcome.TokenInvalid, result.Outcome);
        Assert.Equal("ExpiredToken", result.Reason);
        Assert.Single(_apns.Requests);
    }

    [Fact]
    public async Task Bad_device_token_400_is_token_invalid_and_not_retried()
    {
        _apns.Script(Token(), ApnsReply.BadDeviceToken());

        var result = await _client.SendAsync(Token(), PassType);

        Assert.Equal(ApnsOutcome.TokenInvalid, result.Outcome);
        Assert.Equal(400, result.Status);
        Assert.Equal("BadDeviceToken", result.Reason);
        Assert.Null(result.TokenInvalidSince);
        Assert.Single(_apns.Requests);
    }

    [Fact]
    public async Task Bad_certificate_403_is_credential_rejected_and_not_retried()
    {
        _apns.Script(Token(), ApnsReply.BadCertificate());

        var result = await _client.SendAsync(Token(), PassType);

        Assert.Equal(ApnsOutcome.CredentialRejected, result.Outcome);
        Assert.Equal(403, result.Status);
        Assert.Equal("BadCertificate", result.Reason);
        Assert.Equal(1, result.Attempts);
        Assert.Single(_apns.Requests);
    }

    [Theory]
    [InlineData(400, "BadTopic")]
    [InlineData(400, "DeviceTokenNotForTopic")]
    [InlineData(400, "TopicDisallowed")]
    [InlineData(413, "PayloadTooLarge")]
    public async Task Other_client_errors_are_rejected_with_their_reason_and_not_retried(int status, string reason)
    {
        _apns.Script(Token(), ApnsReply.Error(status, reason));

        var result = await _client.SendAsync(Token(), PassType);

        Assert.Equal(ApnsOutcome.Rejected, result.Outcome);
        Assert.Equal(status, result.Status);
        Assert.Equal(reason, result.Reason);
        Assert.Equal(1, result.Attempts);
        Assert.Single(_apns.Requests);
    }

    [Fact]
    public async Task Too_many_requests_twice_then_accepted_is_delivered_after_three_attempts()
    {
        _apns.ScriptFailures(Token(), 2, ApnsReply.TooManyRequests());

        var result = await _client.SendAsync(Token(), PassType);

        Assert.Equal(ApnsOutcome.Delivered, result.Outcome);
        Assert.Equal(3, result.Attempts);
        Assert.Equal([1, 2, 3], _apns.RequestsFor(Token()).Select(r => r.Attempt));
    }

    [Theory]
    [InlineData(500, "InternalServerError")]
    [InlineData(503, "ServiceUnavailable")]
    [InlineData(503, "Shutdown")]
    public async Task Server_error_then_accepted_is_delivered(int status, string reason)
    {
        _apns.ScriptFailures(Token(), 1, ApnsReply.Error(status, reason));

        var result = await _client.SendAsync(Token(), PassType);

        Assert.Equal(ApnsOutcome.Delivered, result.Outcome);
        Assert.Equal(2, result.Attempts);
        Assert.Equal(2, _apns.RequestsFor(Token()).Count);
    }

    [Fact]
    public async Task Reset_stream_twice_then_accepted_is_delivered()
    {
        _apns.ScriptFailures(Token(), 2, ApnsReply.ResetStream());

        var result = await _client.SendAsync(Token(), PassType);

        Assert.Equal(ApnsOutcome.Delivered, result.Outcome);
        Assert.Equal(3, result.Attempts);
        Assert.Equal(3, _apns.RequestsFor(Token()).Count);
    }

    [Fact]
    public async Task Dropped_connection_twice_then_accepted_is_delivered_over_a_new_connection()
    {
        _apns.ScriptFailures(Token(), 2, ApnsReply.DropConnection());

        var result = await _client.SendAsync(Token(), PassType);

        Assert.Equal(ApnsOutcome.Delivered, result.Outcome);
        Assert.Equal(3, result.Attempts);
        var requests = _apns.RequestsFor(Token());
        Assert.Equal(3, requests.Count);
        Assert.Equal(3, requests.Select(r => r.ConnectionId).Distinct().Count());
    }

    [Fact]
    public async Task Always_unavailable_runs_out_of_retries_at_the_deadline()
    {
        _apns.Script(Token(), ApnsReply.ServiceUnavailable());
        using var client = NewClient(_apns.ClientOptions with { RetryDeadline = TimeSpan.FromMilliseconds(300) });

        var started = DateTimeOffset.UtcNow;
        var result = await client.SendAsync(Token(), PassType);
        var took = DateTimeOffset.UtcNow - started;

        Assert.Equal(ApnsOutcome.RetriesExhausted, result.Outcome);
        Assert.False(result.IsDelivered);
        Assert.Equal(503, result.Status);
        Assert.Equal("ServiceUnavailable", result.Reason);
        Assert.True(result.Attempts > 1, $"only {result.Attempts} attempt(s)");
        Assert.Equal(result.Attempts, _apns.RequestsFor(Token()).Count);
        Assert.True(took < TimeSpan.FromSeconds(5), $"took {took}");
    }

    [Fact]
    public async Task Slow_answer_within_the_request_timeout_is_delivered_once()
    {
        _apns.Script(Token(), ApnsReply.Slow(TimeSpan.FromMilliseconds(200)));

        var result = await _client.SendAsync(Token(), PassType);

        Assert.Equal(ApnsOutcome.Delivered, result.Outcome);
        Assert.Equal(1, result.Attempts);
    }

    [Fact]
    public async Task Answer_slower_than_the_request_timeout_is_retried()
    {
        _apns.Script(Token(), ApnsReply.Slow(TimeSpan.FromSeconds(30)), ApnsReply.Ok());
        using var client = NewClient(_apns.ClientOptions with { RequestTimeout = TimeSpan.FromMilliseconds(300) });

        var result = await client.SendAsync(Token(), PassType);

        Assert.Equal(ApnsOutcome.Delivered, result.Outcome);
        Assert.Equal(2, result.Attempts);
    }

    [Fact]
    public async Task Cancellation_stops_a_push_that_is_being_retried()
    {
        _apns.Script(Token(), ApnsReply.ServiceUnavailable());
        using var cancel = new CancellationTokenSource();

        var send = _client.SendAsync(Token(), PassType, cancel.Token);
        await _apns.WaitUntilAsync(d => d.RequestsFor(Token()).Count >= 2);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
    }

    [Fact]
    public async Task Certificate_from_another_ca_gets_no_push_accepted()
    {
        using var certificate = TestCertificates.ClientCertificate(TestCertificates.OtherCa);
        var options = _apns.ClientOptions with { RetryDeadline = TimeSpan.FromMilliseconds(300) };
        using var client = new ApnsClient(options, new ApnsCertificateCredentials(certificate));

        var result = await client.SendAsync(Token(), PassType);

        Assert.NotEqual(ApnsOutcome.Delivered, result.Outcome);
        Assert.False(result.IsDelivered);
        Assert.Null(result.Status);
        Assert.Empty(_apns.Requests);
        Assert.True(_apns.RejectedClientCertificates > 0);
        _output.WriteLine($"client certificate of another CA: {result} ({result.Reason})");
    }

    [Fact]
    public async Task Server_certificate_from_a_ca_the_client_does_not_trust_is_refused()
    {
        var caPath = Path.Combine(Path.GetTempPath(), $"apns-other-ca-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(caPath, TestCertificates.OtherCa.CaPem);
        try
        {
            using var client = NewClient(_apns.ClientOptions with { TrustedCaPath = caPath, RetryDeadline = TimeSpan.FromMilliseconds(300) });

            var result = await client.SendAsync(Token(), PassType);

            Assert.NotEqual(ApnsOutcome.Delivered, result.Outcome);
            Assert.Null(result.Status);
            Assert.Empty(_apns.Requests);
            _output.WriteLine($"untrusted server: {result} ({result.Reason})");
        }
        finally
        {
            File.Delete(caPath);
        }
    }

    [Fact]
    public async Task Two_thousand_concurrent_pushes_are_all_delivered_once_over_a_few_multiplexed_connections()
    {
        const int count = 2000;
        var tokens = Enumerable.Range(1, count).Select(Token).ToArray();

        var results = await Task.WhenAll(tokens.Select(t => _client.SendAsync(t, PassType)));

        Assert.All(results, r => Assert.Equal(ApnsOutcome.Delivered, r.Outcome));
        Assert.All(results, r => Assert.Equal(1, r.Attempts));
        var requests = _apns.Requests;
        Assert.Equal(count, requests.Count);
        Assert.Equal(tokens.Order(StringComparer.Ordinal), requests.Select(r => r.Token).Order(StringComparer.Ordinal));
        Assert.All(requests, r => Assert.Equal("HTTP/2", r.Protocol));
        // Multiplexed: on average at least 100 streams (Kestrel's per-connection limit) per connection.
        Assert.InRange(_apns.ConnectionsAccepted, 1, count / 100);
        Assert.True(_apns.MaxConcurrentRequests > 1, "no two streams were ever in flight together");
    }

    [Fact]
    public async Task Max_connections_caps_the_http2_connections_opened()
    {
        // 150 pushes held for 300 ms need more than Kestrel's 100 streams per connection; with MaxConnections = 1
        // the rest must wait for streams on the one connection instead of opening a second one.
        _apns.ScriptDefault(ApnsReply.Slow(TimeSpan.FromMilliseconds(300)));
        using var client = NewClient(_apns.ClientOptions with { MaxConnections = 1 });

        var results = await Task.WhenAll(Enumerable.Range(1, 150).Select(i => client.SendAsync(Token(i), PassType)));

        Assert.All(results, r => Assert.Equal(ApnsOutcome.Delivered, r.Outcome));
        Assert.Equal(1, _apns.ConnectionsAccepted);
    }
}
