using System.IO.Compression;
using System.Text.Json.Nodes;
using PassGrains.Packaging.Signing;
using PassGrains.Packaging.Validation;
using PassGrains.Packaging.Verification;

namespace PassGrains.Server.Tests.Infrastructure;

/// <summary>A downloaded .pkpass as Wallet sees it: its pass.json, and whether it would be accepted.</summary>
public sealed class PassPackage
{
    private PassPackage(byte[] bytes, JsonObject passJson)
    {
        Bytes = bytes;
        PassJson = passJson;
    }

    public byte[] Bytes { get; }

    public JsonObject PassJson { get; }

    public string AuthenticationToken => (string)PassJson["authenticationToken"]!;

    public string WebServiceUrl => (string)PassJson["webServiceURL"]!;

    public string SerialNumber => (string)PassJson["serialNumber"]!;

    /// <summary>Whether the package holds a file of that name (e.g. personalization.json).</summary>
    public bool Contains(string entryName)
    {
        using var archive = new ZipArchive(new MemoryStream(Bytes), ZipArchiveMode.Read);
        return archive.GetEntry(entryName) is not null;
    }

    public static PassPackage Read(byte[] bytes)
    {
        using var archive = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        var entry = archive.GetEntry("pass.json") ?? throw new InvalidOperationException("the package has no pass.json");
        using var stream = entry.Open();
        var json = JsonNode.Parse(stream) as JsonObject ?? throw new InvalidOperationException("pass.json is not an object");
        return new PassPackage(bytes, json);
    }

    /// <summary>The value of the field with <paramref name="key"/>, wherever it stands in the style's field lists.</summary>
    public string? FieldValue(string key)
    {
        foreach (var style in new[] { "boardingPass", "coupon", "eventTicket", "generic", "storeCard" })
        {
            if (PassJson[style] is not JsonObject lists)
                continue;
            foreach (var (_, list) in lists)
            {
                if (list is not JsonArray fields)
                    continue;
                foreach (var field in fields.OfType<JsonObject>())
                {
                    if ((string?)field["key"] == key)
                        return field["value"]?.ToString();
                }
            }
        }
        return null;
    }

    /// <summary>Asserts the package would be accepted by Wallet trusting <paramref name="wwdrPem"/> (http web service allowed).</summary>
    public void AssertVerifies(string wwdrPem)
    {
        var problems = PassVerifier.Verify(Bytes, PassCertificateLoader.LoadCertificateFile(wwdrPem), options: new PassValidationOptions { AllowHttpWebService = true });
        var errors = problems.Where(p => p.IsError).Select(p => p.ToString()).ToList();
        Assert.True(errors.Count == 0, "the downloaded pass does not verify:" + Environment.NewLine + string.Join(Environment.NewLine, errors));
    }
}
