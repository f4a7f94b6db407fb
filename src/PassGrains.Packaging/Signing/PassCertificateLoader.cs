using System.Text;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace PassGrains.Packaging.Signing;

/// <summary>
/// Loads pass type certificates from .p12/.pfx (including the legacy RC2-40 exports of Keychain
/// Access that OpenSSL 3 refuses) or from PEM certificate and key files.
/// </summary>
public static class PassCertificateLoader
{
    /// <summary>
    /// Loads <paramref name="path"/>: a PEM file (certificate, and key unless <paramref name="keyPath"/> names
    /// another PEM file) or a PKCS#12 file.
    /// </summary>
    public static PassSigningCredentials Load(string path, string? password = null, string? keyPath = null)
    {
        var data = ReadFile(path, "certificate");
        if (LooksLikePem(data))
        {
            var certificatePem = Encoding.ASCII.GetString(data);
            var keyPem = keyPath is null ? certificatePem : Encoding.ASCII.GetString(ReadFile(keyPath, "private key"));
            return LoadPem(certificatePem, keyPem, password, Path.GetFileName(path));
        }
        if (keyPath is not null)
            throw new PassCertificateException($"{path} is not a PEM certificate; a separate key file only goes with a PEM certificate");
        return LoadPkcs12(data, password, Path.GetFileName(path));
    }

    public static PassSigningCredentials LoadPkcs12(ReadOnlySpan<byte> data, string? password, string name = "the .p12 file")
    {
        var store = new Pkcs12StoreBuilder().Build();
        try
        {
            using var stream = new MemoryStream(data.ToArray());
            store.Load(stream, (password ?? "").ToCharArray());
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or Org.BouncyCastle.Security.SecurityUtilityException or InvalidCipherTextException or Org.BouncyCastle.Asn1.Asn1Exception)
        {
            var wrongPassword = e.Message.Contains("MAC", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("password", StringComparison.OrdinalIgnoreCase)
                || e is InvalidCipherTextException;
            throw new PassCertificateException(wrongPassword
                ? $"cannot open {name}: the password is wrong (or the file is damaged); pass it with --password"
                : $"cannot open {name} as PKCS#12 (.p12/.pfx): {e.Message}", e);
        }

        var alias = store.Aliases.FirstOrDefault(store.IsKeyEntry)
            ?? throw new PassCertificateException($"{name} holds no private key; export the Pass Type ID certificate together with its private key (Keychain Access: select both, Export 2 items)");
        var key = store.GetKey(alias).Key;
        var chain = store.GetCertificateChain(alias)?.Select(e => e.Certificate).ToList() ?? [];
        var certificate = store.GetCertificate(alias)?.Certificate ?? chain.FirstOrDefault()
            ?? throw new PassCertificateException($"{name} holds a private key but no certificate");
        var others = store.Aliases.Where(a => store.IsCertificateEntry(a)).Select(a => store.GetCertificate(a).Certificate)
            .Concat(chain)
            .Where(c => !c.Equals(certificate))
            .Distinct()
            .ToList();
        return new PassSigningCredentials(certificate, key, others);
    }

    public static PassSigningCredentials LoadPem(string certificatePem, string keyPem, string? password, string name = "the PEM file")
    {
        var certificates = ReadCertificates(certificatePem, name);
        if (certificates.Count == 0)
            throw new PassCertificateException($"{name} holds no certificate (expected -----BEGIN CERTIFICATE-----)");
        var key = ReadPrivateKey(keyPem, password, name);
        return new PassSigningCredentials(certificates[0], key, certificates.Skip(1).ToList());
    }

    public static X509Certificate LoadCertificateFile(string path)
    {
        var data = ReadFile(path, "certificate");
        if (LooksLikePem(data))
        {
            var certificates = ReadCertificates(Encoding.ASCII.GetString(data), Path.GetFileName(path));
            return certificates.Count > 0 ? certificates[0] : throw new PassCertificateException($"{path} holds no certificate");
        }
        try
        {
            return new X509CertificateParser().ReadCertificate(data)
                ?? throw new PassCertificateException($"{path} holds no certificate");
        }
        catch (Exception e) when (e is Org.BouncyCastle.Security.Certificates.CertificateException or IOException or ArgumentException or Org.BouncyCastle.Asn1.Asn1Exception)
        {
            throw new PassCertificateException($"{path} is neither a PEM nor a DER certificate: {e.Message}", e);
        }
    }

    internal static List<X509Certificate> ReadCertificates(string pem, string name)
    {
        var result = new List<X509Certificate>();
        foreach (var item in ReadPemObjects(pem, null, name))
        {
            if (item is X509Certificate certificate)
                result.Add(certificate);
        }
        return result;
    }

    private static AsymmetricKeyParameter ReadPrivateKey(string pem, string? password, string name)
    {
        foreach (var item in ReadPemObjects(pem, password, name))
        {
            switch (item)
            {
                case AsymmetricCipherKeyPair pair:
                    return pair.Private;
                case AsymmetricKeyParameter { IsPrivate: true } key:
                    return key;
            }
        }
        throw new PassCertificateException($"{name} holds no private key (expected -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----); give it with --key");
    }

    private static List<object> ReadPemObjects(string pem, string? password, string name)
    {
        var items = new List<object>();
        try
        {
            using var reader = new StringReader(pem);
            var pemReader = new PemReader(reader, password is null ? null : new PasswordFinder(password));
            object? item;
            while ((item = pemReader.ReadObject()) is not null)
                items.Add(item);
        }
        catch (Org.BouncyCastle.OpenSsl.PasswordException e)
        {
            throw new PassCertificateException($"the private key in {name} is encrypted; give its password with --password", e);
        }
        catch (Exception e) when (e is IOException or InvalidCipherTextException or Org.BouncyCastle.Security.Certificates.CertificateException or ArgumentException or Org.BouncyCastle.Asn1.Asn1Exception or Org.BouncyCastle.Utilities.IO.Pem.PemGenerationException)
        {
            throw new PassCertificateException($"cannot read {name} as PEM: {e.Message} (a wrong key password also shows this way)", e);
        }
        return items;
    }

    private static byte[] ReadFile(string path, string what)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
                throw new PassCertificateException($"{what} file '{path}' does not exist");
            if (info.Length > 1024 * 1024)
                throw new PassCertificateException($"{what} file '{path}' is {info.Length} bytes; that is not a certificate");
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new PassCertificateException($"cannot read {what} file '{path}': {e.Message}", e);
        }
    }

    private static bool LooksLikePem(ReadOnlySpan<byte> data) => data.IndexOf("-----BEGIN "u8) >= 0;

    private sealed class PasswordFinder(string password) : IPasswordFinder
    {
        public char[] GetPassword() => password.ToCharArray();
    }
}
