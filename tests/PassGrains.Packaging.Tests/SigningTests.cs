using System.Text;
using PassGrains.Packaging.Signing;

namespace PassGrains.Packaging.Tests;

/// <summary>Loading pass certificates and the checks PassSigner makes before signing anything.</summary>
public sealed class SigningTests
{
    private const string Password = "correct horse";

    [OpenSslFact]
    public void A_legacy_rc2_40_p12_file_loads()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("pass.p12", TestChains.Main.ExportPkcs12(Password, legacy: true));

        // the file really is what old Keychain exports look like: certificates under 40-bit RC2
        var (_, output) = OpenSsl.Run("pkcs12", "-info", "-in", path, "-passin", "pass:" + Password, "-nokeys", "-noout");
        Assert.Contains("pbeWithSHA1And40BitRC2-CBC", output, StringComparison.Ordinal);

        var credentials = PassCertificateLoader.Load(path, Password);

        Assert.Equal(TestChains.Main.Certificate, credentials.Certificate);
        Assert.Contains(TestChains.Main.CaCertificate, credentials.OtherCertificates);
        Assert.Equal(TestChains.PassType, credentials.Info.PassTypeIdentifier);
        Assert.Equal(TestChains.Team, credentials.Info.TeamIdentifier);
        using var signer = PassSigner.Create(credentials, TestChains.Main.CaCertificate);
        Assert.Empty(signer.Warnings);
    }

    [OpenSslFact]
    public void A_modern_p12_file_loads()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("pass.pfx", TestChains.Main.ExportPkcs12(Password));
        var credentials = PassCertificateLoader.Load(path, Password);
        Assert.Equal(TestChains.Main.Certificate, credentials.Certificate);
        using var signer = PassSigner.Create(credentials, TestChains.Main.CaCertificate);
        var signature = signer.SignDetached("{}"u8, DateTimeOffset.UtcNow);
        Assert.Equal(0, OpenSsl.VerifyDetached(signature, "{}"u8.ToArray(), TestChains.Main.CaPem).ExitCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_wrong_p12_password_says_so(bool legacy)
    {
        using var dir = new TempDirectory();
        var path = dir.Write("pass.p12", TestChains.Main.ExportPkcs12(Password, legacy));
        var e = Assert.Throws<PassCertificateException>(() => PassCertificateLoader.Load(path, "wrong password"));
        Assert.Contains("password", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_p12_without_a_password_argument_says_the_password_is_wrong()
    {
        var e = Assert.Throws<PassCertificateException>(() => PassCertificateLoader.LoadPkcs12(TestChains.Main.ExportPkcs12(Password), null));
        Assert.Contains("password", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Pem_certificate_and_pem_key_files_load()
    {
        using var dir = new TempDirectory();
        var certificatePath = dir.Write("pass.pem", Encoding.ASCII.GetBytes(TestChains.Main.CertificatePem));
        var keyPath = dir.Write("pass.key", Encoding.ASCII.GetBytes(TestChains.Main.KeyPem));

        var credentials = PassCertificateLoader.Load(certificatePath, null, keyPath);

        Assert.Equal(TestChains.Main.Certificate, credentials.Certificate);
        using var signer = PassSigner.Create(credentials, TestChains.Main.CaCertificate);
        Assert.Equal(TestChains.PassType, signer.Certificate.PassTypeIdentifier);
    }

    [Fact]
    public void One_pem_file_with_certificate_key_and_chain_loads()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("pass.pem", Encoding.ASCII.GetBytes(TestChains.Main.CertificatePem + TestChains.Main.KeyPem + TestChains.Main.CaPem));
        var credentials = PassCertificateLoader.Load(path);
        Assert.Equal(TestChains.Main.Certificate, credentials.Certificate);
        Assert.Equal([TestChains.Main.CaCertificate], credentials.OtherCertificates);
    }

    [Fact]
    public void A_pem_certificate_without_a_key_says_the_key_is_missing()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("pass.pem", Encoding.ASCII.GetBytes(TestChains.Main.CertificatePem));
        var e = Assert.Throws<PassCertificateException>(() => PassCertificateLoader.Load(path));
        Assert.Contains("private key", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_certificate_file_is_named()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-cert-" + Guid.NewGuid() + ".p12");
        var e = Assert.Throws<PassCertificateException>(() => PassCertificateLoader.Load(path, Password));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_no_certificate_is_refused_with_a_certificate_exception()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("pass.p12", "this is not a certificate"u8.ToArray());
        Assert.Throws<PassCertificateException>(() => PassCertificateLoader.Load(path, Password));
    }

    [Fact]
    public void Wwdr_loads_from_pem_and_der_files()
    {
        using var dir = new TempDirectory();
        var pem = dir.Write("wwdr.pem", Encoding.ASCII.GetBytes(TestChains.Main.CaPem));
        var der = dir.Write("wwdr.cer", TestChains.Main.CaCertificate.GetEncoded());
        Assert.Equal(TestChains.Main.CaCertificate, AppleWwdr.LoadOrDefault(pem));
        Assert.Equal(TestChains.Main.CaCertificate, AppleWwdr.LoadOrDefault(der));
        Assert.Equal(AppleWwdr.G4, AppleWwdr.LoadOrDefault(null));
    }

    [Fact]
    public void An_expired_certificate_is_refused()
    {
        var e = Assert.Throws<PassCertificateException>(() => PassSigner.Create(TestChains.Expired.Credentials, TestChains.Expired.CaCertificate));
        Assert.Contains("expired", e.Message, StringComparison.Ordinal);
        Assert.Contains(TestChains.PassType, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_that_is_not_yet_valid_is_refused()
    {
        var e = Assert.Throws<PassCertificateException>(() =>
            PassSigner.Create(TestChains.Main.Credentials, TestChains.Main.CaCertificate, DateTimeOffset.UtcNow.AddDays(-30)));
        Assert.Contains("not valid before", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_expiring_in_ten_days_gives_a_warning()
    {
        var now = new DateTimeOffset(TestChains.ShortLivedNotAfter.AddDays(-10), TimeSpan.Zero);
        using var signer = PassSigner.Create(TestChains.ShortLived.Credentials, TestChains.ShortLived.CaCertificate, now);
        var warning = Assert.Single(signer.Warnings);
        Assert.Contains("expires in 10 days", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_expiring_in_forty_days_gives_no_warning()
    {
        var now = new DateTimeOffset(TestChains.ShortLivedNotAfter.AddDays(-40).AddHours(1), TimeSpan.Zero);
        using var signer = PassSigner.Create(TestChains.ShortLived.Credentials, TestChains.ShortLived.CaCertificate, now);
        Assert.Empty(signer.Warnings);
    }

    [Fact]
    public void A_certificate_not_issued_by_the_given_wwdr_is_refused()
    {
        var e = Assert.Throws<PassCertificateException>(() => PassSigner.Create(TestChains.Main.Credentials, TestChains.Unrelated.CaCertificate));
        Assert.Contains("issued by", e.Message, StringComparison.Ordinal);
        Assert.Contains("--wwdr", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_apple_g4_default_refuses_a_development_certificate()
    {
        var e = Assert.Throws<PassCertificateException>(() => PassSigner.Create(TestChains.Main.Credentials));
        Assert.Contains("WWDR G4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_that_does_not_belong_to_the_certificate_is_refused()
    {
        var mismatched = new PassSigningCredentials(TestChains.Main.Certificate, TestChains.OtherPassType.Key, []);
        var e = Assert.Throws<PassCertificateException>(() => PassSigner.Create(mismatched, TestChains.Main.CaCertificate));
        Assert.Contains("private key does not belong", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pem_key_of_another_certificate_is_refused_when_signing_starts()
    {
        using var dir = new TempDirectory();
        var certificatePath = dir.Write("pass.pem", Encoding.ASCII.GetBytes(TestChains.Main.CertificatePem));
        var keyPath = dir.Write("other.key", Encoding.ASCII.GetBytes(TestChains.OtherPassType.KeyPem));
        var credentials = PassCertificateLoader.Load(certificatePath, null, keyPath);
        Assert.Throws<PassCertificateException>(() => PassSigner.Create(credentials, TestChains.Main.CaCertificate));
    }

    [Fact]
    public void Certificate_info_reads_pass_type_and_team()
    {
        var info = PassCertificateInfo.From(TestChains.OtherPassType.Certificate);
        Assert.Equal("pass.com.example.other", info.PassTypeIdentifier);
        Assert.Equal(TestChains.Team, info.TeamIdentifier);
        Assert.Equal("Pass Type ID: pass.com.example.other", info.DisplayName);
        Assert.Contains("PassGrains Development WWDR CA", info.Issuer, StringComparison.Ordinal);
    }

    [OpenSslFact]
    public void A_personalization_token_signature_verifies_with_openssl()
    {
        const string token = "f7a3c9e2-6b1d-4e8a-9c5f-0d2b7e4a1c36";
        var signature = TestChains.Signer.SignPersonalizationToken(token, DateTimeOffset.UtcNow);

        var (exitCode, output) = OpenSsl.VerifyDetached(signature, Encoding.UTF8.GetBytes(token), TestChains.Main.CaPem);
        Assert.True(exitCode == 0, output);

        var (otherExit, _) = OpenSsl.VerifyDetached(signature, Encoding.UTF8.GetBytes(token + "x"), TestChains.Main.CaPem);
        Assert.NotEqual(0, otherExit);
    }

    [Fact]
    public void An_empty_personalization_token_is_refused()
    {
        Assert.ThrowsAny<ArgumentException>(() => TestChains.Signer.SignPersonalizationToken("", DateTimeOffset.UtcNow));
    }
}
