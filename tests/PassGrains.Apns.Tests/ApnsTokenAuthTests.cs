using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PassGrains.Apns;

namespace PassGrains.Apns.Tests;

/// <summary>Token (.p8, JWT ES256) authentication against the double without client certificates.</summary>
public sealed class ApnsTokenAuthTests : IAsyncLifetime
{
    private const string KeyId = "KEY1234567";
    private const string Team = TestCertificates.Team;
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private ApnsDouble _apns = null!;

    public async Task InitializeAsync() => _apns = await ApnsDouble.StartAsync(TestCertificates.Chain, requireClientCertificate: false);

    public async Task DisposeAsync()
    {
        await _apns.DisposeAsync();
        _key.Dispose();
    }

    [Fact]
    public async Task Pushes_carry_a_bearer_es256_jwt_for_the_team_that_verifies_and_is_reused()
    {
        using var client = new ApnsClient(_apns.ClientOptions, new ApnsTokenCredentials(KeyId, Team, _key));
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var results = new List<ApnsResult>();
        for (var i = 0; i < 3; i++)
            results.Add(await client.SendAsync($"{i:x64}", TestCertificates.PassType));

        Assert.All(results, r => Assert.Equal(ApnsOutcome.Delivered, r.Outcome));
        var requests = _apns.Requests;
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal(TestCertificates.PassType, r.Topic));
        Assert.All(requests, r => Assert.Null(r.ClientCertificateSubject));
        var authorization = requests[0].Authorization;
        Assert.NotNull(authorization);
        Assert.StartsWith("bearer ", authorization, StringComparison.Ordinal);
        Assert.All(requests, r => Assert.Equal(authorization, r.Authorization));

        var jwt = authorization["bearer ".Length..];
        var parts = jwt.Split('.');
        Assert.Equal(3, parts.Length);
        using var header = JsonDocument.Parse(Base64UrlDecode(parts[0]));
        Assert.Equal("ES256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal(KeyId, header.RootElement.GetProperty("kid").GetString());
        using var claims = JsonDocument.Parse(Base64UrlDecode(parts[1]));
        Assert.Equal(Team, claims.RootElement.GetProperty("iss").GetString());
        var iat = claims.RootElement.GetProperty("iat").GetInt64();
        Assert.InRange(iat, before - 5, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        var signature = Base64UrlDecode(parts[2]);
        Assert.Equal(64, signature.Length);
        using var publicKey = ECDsa.Create(_key.ExportParameters(includePrivateParameters: false));
        Assert.True(publicKey.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), signature, HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation), "JWT signature does not verify with the public key");
    }

    [Fact]
    public async Task Key_from_p8_pem_signs_verifiable_tokens()
    {
        var credentials = ApnsTokenCredentials.FromP8(KeyId, Team, _key.ExportPkcs8PrivateKeyPem());
        using var client = new ApnsClient(_apns.ClientOptions, credentials);

        var result = await client.SendAsync(new string('a', 64), TestCertificates.PassType);

        Assert.Equal(ApnsOutcome.Delivered, result.Outcome);
        var parts = Assert.Single(_apns.Requests).Authorization!["bearer ".Length..].Split('.');
        Assert.True(_key.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), Base64UrlDecode(parts[2]), HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Fact]
    public void Token_is_kept_for_at_least_20_minutes_and_renewed_before_60()
    {
        var time = new ManualTime(DateTimeOffset.UtcNow);
        var credentials = new ApnsTokenCredentials(KeyId, Team, _key, time);

        var first = credentials.CurrentToken();
        time.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(first, credentials.CurrentToken());
        time.Advance(TimeSpan.FromMinutes(39));
        var renewed = credentials.CurrentToken();

        Assert.NotEqual(first, renewed);
        using var claims = JsonDocument.Parse(Base64UrlDecode(renewed.Split('.')[1]));
        Assert.Equal(time.GetUtcNow().ToUnixTimeSeconds(), claims.RootElement.GetProperty("iat").GetInt64());
    }

    [Fact]
    public async Task Expired_provider_token_403_is_credential_rejected()
    {
        _apns.Script("ab", ApnsReply.Error(403, "ExpiredProviderToken"));
        using var client = new ApnsClient(_apns.ClientOptions, new ApnsTokenCredentials(KeyId, Team, _key));

        var result = await client.SendAsync("ab", TestCertificates.PassType);

        Assert.Equal(ApnsOutcome.CredentialRejected, result.Outcome);
        Assert.Equal("ExpiredProviderToken", result.Reason);
    }

    private static byte[] Base64UrlDecode(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
