using CsvHelper;

namespace PassGrains.Cli.Issuing;

/// <summary>A CSV file that cannot be issued from; the message names the file and the line.</summary>
public sealed class CsvInputException(string message) : Exception(message);

/// <summary>
/// The rows of an issue CSV (RFC 4180: a header row, quoted fields that may hold commas, line breaks and
/// doubled quotes; UTF-8 with or without a BOM). Columns <c>serialNumber</c> and <c>groupId</c> are the pass's
/// own; every other column is a field key, and an empty cell leaves that field out.
/// </summary>
/// <remarks>
/// <see cref="Open"/> reads the whole file once to check it, so that a bad line at the end stops the run
/// before anything is sent; <see cref="Read"/> then streams it again, so a large file is never held in memory.
/// </remarks>
public sealed class CsvPassRows
{
    public const string SerialColumn = "serialNumber";
    public const string GroupColumn = "groupId";

    /// <summary>The issuer API takes request bodies up to 1 MiB; a longer record is a broken quote, not a pass.</summary>
    private const int MaxRecordBytes = 1024 * 1024;

    private readonly string _path;
    private readonly string _name;

    private CsvPassRows(string path, IReadOnlyList<string> header, int count, IReadOnlySet<long> repeatedSerialLines)
    {
        _path = path;
        _name = Path.GetFileName(path);
        Header = header;
        Count = count;
        RepeatedSerialLines = repeatedSerialLines;
    }

    public IReadOnlyList<string> Header { get; }

    /// <summary>How many passes the file describes.</summary>
    public int Count { get; }

    /// <summary>The lines of rows whose serial number an earlier row already has.</summary>
    public IReadOnlySet<long> RepeatedSerialLines { get; }

    public static CsvPassRows Open(string path)
    {
        if (!File.Exists(path))
            throw new CsvInputException(Directory.Exists(path) ? $"{path} is a folder, not a CSV file" : $"CSV file '{path}' does not exist");
        var rows = new CsvPassRows(path, [], 0, new HashSet<long>());
        using var reader = rows.CreateReader();
        var header = rows.ReadHeader(reader);
        var count = 0;
        var serials = new HashSet<string>(StringComparer.Ordinal);
        var repeated = new HashSet<long>();
        foreach (var row in rows.Records(reader, header))
        {
            count++;
            if (row.SerialNumber is { } serial && !serials.Add(serial))
                repeated.Add(row.Line);
        }
        if (count == 0)
            throw new CsvInputException($"{rows._name}: the file has a header but no rows: nothing to issue");
        return new CsvPassRows(path, header, count, repeated);
    }

    public IEnumerable<PassRow> Read()
    {
        using var reader = CreateReader();
        var header = ReadHeader(reader);
        if (!header.SequenceEqual(Header, StringComparer.Ordinal))
            throw new CsvInputException($"{_name}: line 1: the header changed since the file was checked");
        foreach (var row in Records(reader, header))
            yield return row;
    }

    private CsvReader CreateReader()
    {
        try
        {
            return CsvReader.FromFile(_path, new CsvReaderOptions
            {
                Separator = ',', // RFC 4180; guessing could split a file of one column at its semicolons
                HasHeader = true,
                Mode = CsvMode.Rfc4180,
                AllowLineBreaksInQuotes = true,
                SkipEmptyLines = true,
                TrimWhitespace = false,
                TrackLineNumbers = true,
                MalformedData = CsvMalformedDataHandling.Throw,
                FieldCountMismatch = CsvFieldCountHandling.Allow, // checked here, to name the line and both counts
                DetectSeparatorHint = false,
                MaxRecordSize = MaxRecordBytes,
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CsvInputException($"cannot read CSV file '{_path}': {e.Message}");
        }
    }

    private List<string> ReadHeader(CsvReader reader)
    {
        var header = Guarded(() => reader.Headers.ToList());
        if (header.Count == 0)
            throw new CsvInputException($"{_name}: the file is empty: it needs a header row (e.g. {SerialColumn},{GroupColumn},seat) and one row per pass");
        var line = reader.LineNumber;
        for (var i = 0; i < header.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(header[i]))
                throw new CsvInputException($"{_name}: line {line}: column {i + 1} of the header has no name; every column needs one ({SerialColumn}, {GroupColumn} or a field key)");
            var first = header.IndexOf(header[i]);
            if (first < i)
                throw new CsvInputException($"{_name}: line {line}: the header names '{header[i]}' twice (columns {first + 1} and {i + 1})");
        }
        return header;
    }

    private IEnumerable<PassRow> Records(CsvReader reader, List<string> header)
    {
        var serialIndex = header.IndexOf(SerialColumn);
        var groupIndex = header.IndexOf(GroupColumn);
        while (Guarded(reader.Read))
        {
            var line = reader.LineNumber;
            if (reader.FieldCount > header.Count)
                throw new CsvInputException($"{_name}: line {line}: the row has {reader.FieldCount} cells but the header has {header.Count} columns");
            string? Cell(int index) => index >= 0 && index < reader.FieldCount && reader.GetString(index) is { Length: > 0 } value ? value : null;
            var fields = new List<KeyValuePair<string, string>>();
            for (var i = 0; i < header.Count; i++)
            {
                if (i != serialIndex && i != groupIndex && Cell(i) is { } value)
                    fields.Add(new(header[i], value));
            }
            yield return new PassRow(line, Cell(serialIndex), Cell(groupIndex), fields);
        }
    }

    /// <summary>CsvHelper reports broken quoting with the line; this adds the file's name and keeps it a usage error.</summary>
    private T Guarded<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (CsvFormatException e)
        {
            throw new CsvInputException($"{_name}: line {e.LineNumber}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CsvInputException($"cannot read CSV file '{_path}': {e.Message}");
        }
    }
}
