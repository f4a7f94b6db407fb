using System.Text;
using Microsoft.Extensions.Options;
using PassGrains.Abstractions;
using PassGrains.Grains;

namespace PassGrains.Server.Issuing;

/// <summary>
/// Batch issuing: an NDJSON upload (one POST /api/passes body per line) is stored while it streams in, in chunks of
/// at most <see cref="ChunkLines"/> lines or <see cref="ChunkBytes"/>, as the state of its chunk grains (the grain storage
/// every silo reads: SQLite on a single node, PostgreSQL in a cluster). Only then is its job created: the job's grain
/// (<see cref="BatchJobGrain"/>) runs it from there, on whichever silo it lives, and carries on elsewhere when that silo dies.
/// Memory stays bounded: one chunk and one line at most, never the upload.
/// </summary>
public sealed partial class BatchJobs(IGrainFactory grains, BatchUploadStore uploads, IOptions<BatchOptions> options, TimeProvider time, ILogger<BatchJobs> logger)
{
    public const long MaxUploadBytes = 256L * 1024 * 1024;

    /// <summary>A line's limit, as stored: runs of whitespace between JSON tokens are kept as one space, so padding costs nothing.</summary>
    public const int MaxLineBytes = 1024 * 1024;

    /// <summary>Lines per chunk: big enough that a chunk's lookups and grain call are noise, small enough to retry cheaply.</summary>
    public const int ChunkLines = 200;

    /// <summary>A chunk's lines in bytes (one longer line is a chunk of its own): a row the database reads and writes in one go.</summary>
    public const int ChunkBytes = 256 * 1024;

    public static string LineTooLong => $"the line is longer than {MaxLineBytes / 1024 / 1024} MiB: a line may have at most 1 MiB";

    /// <summary>Stores the upload and starts the job; returns the job id, or an error for the request.</summary>
    /// <param name="scope">The submitting key's pass types: kept with the job, so a resumed job is held to them too.</param>
    public async Task<(string? JobId, string? Error)> SubmitAsync(Stream body, Security.PassTypeScope scope, CancellationToken cancellationToken)
    {
        var jobId = $"{time.GetUtcNow():yyyyMMddHHmmss}-{PassIssuer.NewSerial()[..8].ToLowerInvariant()}";
        var upload = new Upload(jobId, uploads);
        // An upload that is refused, fails or is abandoned midway (the client hangs up, Kestrel refuses the body) leaves no job,
        // and its chunks are cleared: no row is left that a job would run, and none that holds its lines.
        try
        {
            var error = await upload.ReadAsync(body, cancellationToken);
            if (error is null && upload.Total == 0)
                error = "the batch is empty: send one JSON object per line";
            if (error is not null)
            {
                await ForgetAsync(upload);
                return (null, error);
            }
            await grains.GetGrain<IBatchJobGrain>(GrainKeys.Job(jobId)).Start(new BatchJobStart(upload.FirstLines, upload.LastLines, upload.Counts,
                scope.PassTypes?.Order(StringComparer.Ordinal).ToList(), options.Value.UploadRetention));
        }
        catch
        {
            await ForgetAsync(upload);
            throw;
        }
        return (jobId, null);
    }

    private async Task ForgetAsync(Upload upload)
    {
        try
        {
            await uploads.ForgetAsync(upload.JobId, upload.ETags);
        }
        catch (Exception e)
        {
            // Rows left by a failed clear belong to no job, so nothing runs them; they hold the lines until deleted by hand.
            LogForgetFailed(logger, upload.JobId, upload.ETags.Count, e);
        }
    }

    /// <summary>
    /// Splits the body into lines as it arrives, keeping each line's runs of whitespace outside strings as one space
    /// (JSON means the same, and a line padded with megabytes of blanks stays small), and stores chunk after chunk.
    /// </summary>
    private sealed class Upload(string jobId, BatchUploadStore store)
    {
        private readonly List<BatchLine> _lines = [];
        private readonly List<BatchLineRefusal> _refused = [];
        private readonly byte[] _line = new byte[MaxLineBytes];
        private int _lineLength;
        private bool _tooLong, _inString, _escaped, _space;
        private int _chunkBytes;
        private int _number;

        public string JobId => jobId;
        public List<string?> ETags { get; } = [];
        public List<int> FirstLines { get; } = [];
        public List<int> LastLines { get; } = [];
        public List<int> Counts { get; } = [];
        public int Total => Counts.Sum();

        public async Task<string?> ReadAsync(Stream body, CancellationToken cancellationToken)
        {
            var buffer = new byte[81920];
            long bytes = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                bytes += read;
                if (bytes > MaxUploadBytes)
                    return $"a batch may have at most {MaxUploadBytes / 1024 / 1024} MiB";
                for (var i = 0; i < read; i++)
                {
                    if (buffer[i] == (byte)'\n')
                        await EndLineAsync();
                    else
                        Add(buffer[i]);
                }
            }
            await EndLineAsync();
            await FlushAsync();
            return null;
        }

        private void Add(byte b)
        {
            if (!_inString && b is (byte)' ' or (byte)'\t' or (byte)'\r')
            {
                _space = _lineLength > 0;
                return;
            }
            if (_space)
            {
                Append((byte)' ');
                _space = false;
            }
            Append(b);
            if (_inString)
            {
                if (_escaped)
                    _escaped = false;
                else if (b == (byte)'\\')
                    _escaped = true;
                else if (b == (byte)'"')
                    _inString = false;
            }
            else if (b == (byte)'"')
            {
                _inString = true;
            }
        }

        private void Append(byte b)
        {
            if (_lineLength == _line.Length)
                _tooLong = true;
            else
                _line[_lineLength++] = b;
        }

        private async Task EndLineAsync()
        {
            _number++;
            var (length, tooLong) = (_lineLength, _tooLong);
            (_lineLength, _tooLong, _inString, _escaped, _space) = (0, false, false, false, false);
            if (length == 0)
                return; // a blank line is no line: it is neither counted nor issued, but it has its number
            var size = tooLong ? 0 : length;
            if (Count() > 0 && (Count() >= ChunkLines || _chunkBytes + size > ChunkBytes))
                await FlushAsync();
            if (Count() == 0)
                FirstLines.Add(_number);
            if (tooLong)
                _refused.Add(new BatchLineRefusal(_number, LineTooLong));
            else
                _lines.Add(new BatchLine(_number, Encoding.UTF8.GetString(_line, 0, length)));
            _chunkBytes += size;
        }

        private int Count() => _lines.Count + _refused.Count;

        private async Task FlushAsync()
        {
            if (Count() == 0)
                return;
            LastLines.Add(Math.Max(_lines.Count > 0 ? _lines[^1].Number : 0, _refused.Count > 0 ? _refused[^1].Number : 0));
            Counts.Add(Count());
            var chunk = new BatchChunkState { JobId = jobId, Lines = [.. _lines], Refused = [.. _refused] };
            _lines.Clear();
            _refused.Clear();
            _chunkBytes = 0;
            var index = ETags.Count;
            ETags.Add(null); // until the write answers: a failed write may or may not have stored the row
            ETags[index] = await store.WriteChunkAsync(jobId, index, chunk);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch upload {JobId} did not become a job, and {Chunks} of its stored chunks could not be cleared")]
    private static partial void LogForgetFailed(ILogger logger, string jobId, int chunks, Exception exception);
}
