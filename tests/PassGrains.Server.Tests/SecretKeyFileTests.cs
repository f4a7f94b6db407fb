using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// PassGrains:SecretKeyFile keeps the server secret outside the data directory (and so out of its backups):
/// the server signs with the file's secret and writes none of its own; a file it cannot use stops start-up.
/// </summary>
public sealed class SecretKeyFileTests : IDisposable
{
    private readonly TempDirectory _root = new("secret-file");

    public void Dispose() => _root.Dispose();

    private static Dictionary<string, string?> Configuration(ServerSettings settings, string? secretFile, string? secretKey = null)
    {
        var configuration = settings.ToConfiguration();
        configuration["Logging:LogLevel:Default"] = "Warning";
        configuration["PassGrains:Apns:Enabled"] = "false";
        if (secretFile is not null)
            configuration["PassGrains:SecretKeyFile"] = secretFile;
        if (secretKey is not null)
            configuration["PassGrains:SecretKey"] = secretKey;
        return configuration;
    }

    [Fact]
    public async Task A_secret_key_file_outside_the_data_directory_keys_the_download_links()
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var secretFile = _root.Combine("mounted-secret");
        await File.WriteAllTextAsync(secretFile, Convert.ToBase64String(secret) + "\n");
        var data = _root.Combine("data");
        var settings = ServerSettings.Create(data, SigningChain.Create(_root.Combine("chain")));
        var configuration = Configuration(settings, secretFile);
        await using var app = PassGrainsApp.Build(["--urls", settings.BaseUrl.TrimEnd('/')], builder => builder.Configuration.AddInMemoryCollection(configuration));
        await app.StartAsync();
        try
        {
            using var client = new PassGrainsClient(new Uri(settings.BaseUrl));
            using (var upload = await client.UploadTemplateAsync("boarding", ModelZip.FromFolder(TestEnvironment.Model("boarding"))))
                await Expect.Status(upload, HttpStatusCode.Created);
            var serial = TestEnvironment.UniqueId("file");
            var issued = await client.IssueAsync(new { templateId = "boarding", serialNumber = serial });

            var query = System.Web.HttpUtility.ParseQueryString(new Uri(issued.DownloadUrl).Query);
            var linkKey = HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes("download-links"));
            var expected = Convert.ToHexStringLower(HMACSHA256.HashData(linkKey, Encoding.UTF8.GetBytes($"{TestEnvironment.PassType}/{serial}\n{query["expires"]}")));
            Assert.Equal(expected, query["sig"]);
            Assert.False(File.Exists(Path.Combine(data, "secret.key")), "with a secret key file the data directory holds no secret");
            await client.DownloadAsync(issued.DownloadUrl, serial);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Theory]
    [InlineData("missing", "PassGrains:SecretKeyFile '{file}' does not exist")]
    [InlineData("short", "PassGrains:SecretKeyFile '{file}' must hold base64 of at least 32 bytes")]
    [InlineData("not-base64", "PassGrains:SecretKeyFile '{file}' must hold base64 of at least 32 bytes")]
    [InlineData("both", "PassGrains:SecretKey and PassGrains:SecretKeyFile are mutually exclusive")]
    public void An_unusable_secret_key_file_stops_start_up_naming_the_setting(string problem, string message)
    {
        var file = _root.Combine($"secret-{problem}");
        if (problem == "short")
            File.WriteAllText(file, Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));
        else if (problem == "not-base64")
            File.WriteAllText(file, "this is not base64 at all, and the message must not echo it");
        else if (problem == "both")
            File.WriteAllText(file, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        var settings = ServerSettings.Create(_root.Combine($"data-{problem}"), SigningChain.Create(_root.Combine($"chain-{problem}")));
        var configuration = Configuration(settings, file, problem == "both" ? ServerSettings.NewSecretKey() : null);

        var failure = Assert.Throws<OptionsValidationException>(() =>
            PassGrainsApp.Build(["--urls", settings.BaseUrl.TrimEnd('/')], builder => builder.Configuration.AddInMemoryCollection(configuration)));
        Assert.Contains(message.Replace("{file}", file, StringComparison.Ordinal), failure.Message);
        Assert.DoesNotContain("must not echo it", failure.Message);
    }
}
