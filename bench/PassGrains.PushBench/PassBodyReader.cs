using System.Buffers.Binary;
using System.IO.Compression;

/// <summary>
/// Reads a downloaded .pkpass as it arrives, through one small buffer, keeping only pass.json and manifest.json: a
/// device of the herd needs those two to know which version it holds, and every other byte is received and counted
/// but not kept. Holding each 743 KB download in an array of its own made the driver fault in fresh pages and collect
/// its large-object heap whenever more devices were downloading than ever before (docs/benchmarks.md, "Response
/// slices"); the passes the herd checks in full are read whole instead (<see cref="HerdBench"/>).
/// </summary>
/// <remarks>
/// Walks the local file records from the start of the zip. Every record must carry its sizes in its header (no data
/// descriptor), as PassGrains writes them; anything else, a body shorter or longer than its Content-Length, or a
/// package without pass.json or manifest.json is an <see cref="InvalidDataException"/>.
/// </remarks>
internal sealed class PassBodyReader(Stream body, long length, byte[] buffer)
{
    private const uint LocalHeaderSignature = 0x04034b50;
    private const uint CentralHeaderSignature = 0x02014b50;
    private const int LocalHeaderLength = 30;
    private const int MaxKeptEntryBytes = 1 << 20;

    private int _start;
    private int _end;
    private long _received;

    public static async Task<(byte[] PassJson, byte[] Manifest)> ReadAsync(Stream body, long length, byte[] buffer, CancellationToken cancellation)
    {
        var reader = new PassBodyReader(body, length, buffer);
        return await reader.ReadAsync(cancellation);
    }

    private async Task<(byte[] PassJson, byte[] Manifest)> ReadAsync(CancellationToken cancellation)
    {
        byte[]? passJson = null, manifest = null;
        while (true)
        {
            if (!await FillAsync(4, cancellation))
                throw new InvalidDataException("the package ends before its central directory");
            var signature = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(_start));
            if (signature == CentralHeaderSignature)
                break;
            if (signature != LocalHeaderSignature || !await FillAsync(LocalHeaderLength, cancellation))
                throw new InvalidDataException("not a zip local file record where one was expected");
            var header = buffer.AsSpan(_start, LocalHeaderLength);
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(header[6..]);
            var method = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
            var compressedSize = BinaryPrimitives.ReadUInt32LittleEndian(header[18..]);
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header[26..]);
            var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
            if ((flags & 0x0008) != 0)
                throw new InvalidDataException("a zip record without its sizes in the local header (a data descriptor)");
            _start += LocalHeaderLength;
            if (!await FillAsync(nameLength, cancellation))
                throw new InvalidDataException("the package ends inside a file name");
            var name = System.Text.Encoding.UTF8.GetString(buffer, _start, nameLength);
            _start += nameLength;
            await SkipAsync(extraLength, cancellation);
            if (name is "pass.json" or "manifest.json")
            {
                var data = Inflate(await TakeAsync(compressedSize, cancellation), method);
                if (name == "pass.json")
                    passJson = data;
                else
                    manifest = data;
            }
            else
                await SkipAsync(compressedSize, cancellation);
        }
        // The central directory and its end: received, not parsed (the sampled full checks read them).
        _start = _end;
        while (await FillAsync(1, cancellation))
            _start = _end;
        if (_received != length)
            throw new InvalidDataException($"the body has {_received} bytes, its Content-Length {length}");
        return (passJson ?? throw new InvalidDataException("no pass.json"), manifest ?? throw new InvalidDataException("no manifest.json"));
    }

    private static byte[] Inflate(byte[] data, ushort method)
    {
        if (method == 0)
            return data;
        if (method != 8)
            throw new InvalidDataException($"a zip record compressed with method {method}");
        using var inflated = new MemoryStream();
        using (var deflate = new DeflateStream(new MemoryStream(data), CompressionMode.Decompress))
            deflate.CopyTo(inflated);
        return inflated.ToArray();
    }

    /// <summary>Makes at least <paramref name="count"/> unread bytes sit in the buffer; false when the body ends first.</summary>
    private async ValueTask<bool> FillAsync(int count, CancellationToken cancellation)
    {
        if (count > buffer.Length)
            throw new InvalidDataException($"a record of {count} bytes does not fit the reader's buffer");
        if (_end - _start >= count)
            return true;
        if (buffer.Length - _start < count)
        {
            buffer.AsSpan(_start, _end - _start).CopyTo(buffer);
            _end -= _start;
            _start = 0;
        }
        while (_end - _start < count)
        {
            var read = await body.ReadAsync(buffer.AsMemory(_end), cancellation);
            if (read == 0)
                return false;
            _end += read;
            _received += read;
            if (_received > length)
                throw new InvalidDataException($"the body is longer than its Content-Length {length}");
        }
        return true;
    }

    private async ValueTask SkipAsync(long count, CancellationToken cancellation)
    {
        while (count > 0)
        {
            if (_start == _end && !await FillAsync(1, cancellation))
                throw new InvalidDataException("the package ends inside a file");
            var step = (int)Math.Min(count, _end - _start);
            _start += step;
            count -= step;
        }
    }

    private async ValueTask<byte[]> TakeAsync(uint count, CancellationToken cancellation)
    {
        if (count > MaxKeptEntryBytes)
            throw new InvalidDataException($"pass.json or manifest.json of {count} bytes");
        var data = new byte[count];
        var copied = 0;
        while (copied < data.Length)
        {
            if (_start == _end && !await FillAsync(1, cancellation))
                throw new InvalidDataException("the package ends inside a file");
            var step = Math.Min(data.Length - copied, _end - _start);
            buffer.AsSpan(_start, step).CopyTo(data.AsSpan(copied));
            _start += step;
            copied += step;
        }
        return data;
    }
}
