namespace PassGrains.Packaging.Building;

/// <summary>
/// A signed .pkpass as a list of byte segments: the template's shared blocks are referenced, not
/// copied, so writing a pass to a response copies each byte once.
/// </summary>
public sealed class SignedPass
{
    public const string MediaType = "application/vnd.apple.pkpass";

    private readonly ReadOnlyMemory<byte>[] _segments;

    internal SignedPass(string serialNumber, byte[] passJson, byte[] manifest, byte[] signature, ReadOnlyMemory<byte>[] segments)
    {
        SerialNumber = serialNumber;
        PassJson = passJson;
        Manifest = manifest;
        Signature = signature;
        _segments = segments;
        Length = segments.Sum(s => (long)s.Length);
    }

    public string SerialNumber { get; }

    public byte[] PassJson { get; }

    public byte[] Manifest { get; }

    public byte[] Signature { get; }

    public IReadOnlyList<ReadOnlyMemory<byte>> Segments => _segments;

    public long Length { get; }

    public void WriteTo(Stream destination)
    {
        foreach (var segment in _segments)
            destination.Write(segment.Span);
    }

    public async ValueTask WriteToAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        foreach (var segment in _segments)
            await destination.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
    }

    public byte[] ToArray()
    {
        var result = new byte[Length];
        var offset = 0;
        foreach (var segment in _segments)
        {
            segment.Span.CopyTo(result.AsSpan(offset));
            offset += segment.Length;
        }
        return result;
    }
}
