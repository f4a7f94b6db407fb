using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace PassGrains.Packaging.Building;

/// <summary>
/// The zip records of a pass package, written directly so that a template's entries can be
/// compressed, checksummed and laid out once and then reused byte for byte by every pass
/// (<see cref="System.IO.Compression.ZipArchive"/> recompresses and re-hashes every entry on each write).
/// PNGs are stored (deflating them again wastes time and gains nothing); JSON and strings are deflated.
/// No zip64: a package is bounded far below 4 GiB and 65,535 entries.
/// </summary>
internal static class PassZip
{
    private const uint LocalHeaderSignature = 0x04034b50;
    private const uint CentralHeaderSignature = 0x02014b50;
    private const uint EndOfCentralDirectorySignature = 0x06054b50;
    private const ushort VersionNeeded = 20;
    private const ushort Utf8NameFlag = 0x0800;
    internal const ushort Stored = 0;
    internal const ushort Deflated = 8;

    public sealed record Entry(string Name, byte[] LocalRecord, ushort Method, uint Crc, int CompressedSize, int Size, ushort Time, ushort Date)
    {
        public byte[] NameBytes { get; } = Encoding.UTF8.GetBytes(Name);
        public int CentralRecordLength => 46 + NameBytes.Length;
    }

    /// <summary>Local header followed by the (possibly deflated) data.</summary>
    public static Entry CreateEntry(string name, ReadOnlySpan<byte> data, bool deflate, DateTime modified, CompressionLevel level = CompressionLevel.Optimal)
    {
        var crc = Crc32.HashToUInt32(data);
        var body = deflate ? DeflateData(data, level) : null;
        var method = deflate ? Deflated : Stored;
        var compressedSize = body?.Length ?? data.Length;
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var (time, date) = ToDos(modified);
        var record = new byte[30 + nameBytes.Length + compressedSize];
        var header = record.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(header, LocalHeaderSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], VersionNeeded);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], Flags(nameBytes));
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], method);
        BinaryPrimitives.WriteUInt16LittleEndian(header[10..], time);
        BinaryPrimitives.WriteUInt16LittleEndian(header[12..], date);
        BinaryPrimitives.WriteUInt32LittleEndian(header[14..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(header[18..], (uint)compressedSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header[22..], (uint)data.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header[26..], (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header[28..], 0);
        nameBytes.CopyTo(header[30..]);
        (body ?? data).CopyTo(header[(30 + nameBytes.Length)..]);
        return new Entry(name, record, method, crc, compressedSize, data.Length, time, date);
    }

    /// <summary>Writes the central directory record of <paramref name="entry"/>, whose local record starts at <paramref name="offset"/>.</summary>
    public static int WriteCentralRecord(Span<byte> destination, Entry entry, long offset)
    {
        if (offset > uint.MaxValue)
            throw new InvalidOperationException("pass package larger than 4 GiB");
        BinaryPrimitives.WriteUInt32LittleEndian(destination, CentralHeaderSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], VersionNeeded);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], VersionNeeded);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], Flags(entry.NameBytes));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[10..], entry.Method);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[12..], entry.Time);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[14..], entry.Date);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], entry.Crc);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], (uint)entry.CompressedSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], (uint)entry.Size);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[28..], (ushort)entry.NameBytes.Length);
        destination.Slice(30, 16).Clear(); // extra, comment, disk, attributes
        BinaryPrimitives.WriteUInt32LittleEndian(destination[42..], (uint)offset);
        entry.NameBytes.CopyTo(destination[46..]);
        return entry.CentralRecordLength;
    }

    public static int WriteEndOfCentralDirectory(Span<byte> destination, int entries, long centralSize, long centralOffset)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, EndOfCentralDirectorySignature);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], 0);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], (ushort)entries);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[10..], (ushort)entries);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], (uint)centralSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], (uint)centralOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[20..], 0);
        return 22;
    }

    private static byte[] DeflateData(ReadOnlySpan<byte> data, CompressionLevel level)
    {
        using var output = new MemoryStream(data.Length / 2 + 64);
        using (var deflate = new DeflateStream(output, level, leaveOpen: true))
            deflate.Write(data);
        return output.ToArray();
    }

    private static ushort Flags(byte[] name) => name.Any(b => b >= 0x80) ? Utf8NameFlag : (ushort)0;

    private static (ushort Time, ushort Date) ToDos(DateTime value)
    {
        if (value.Year < 1980)
            value = new DateTime(1980, 1, 1);
        var time = (ushort)((value.Hour << 11) | (value.Minute << 5) | (value.Second / 2));
        var date = (ushort)(((value.Year - 1980) << 9) | (value.Month << 5) | value.Day);
        return (time, date);
    }
}
