namespace PassGrains.Server.Issuing;

/// <summary>A pass just issued, as POST /api/passes answers it (and a batch records it, without a link).</summary>
public sealed record PassCreatedResponse(string PassTypeIdentifier, string SerialNumber, long Version, string DownloadUrl);
