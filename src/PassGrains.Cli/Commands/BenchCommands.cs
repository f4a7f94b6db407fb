using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using PassGrains.Packaging.PassModels;
using PassGrains.Packaging.Building;
using PassGrains.Packaging.Validation;

namespace PassGrains.Cli.Commands;

/// <summary>
/// The signing load driver: renders distinct passes (own serial and barcode message each) from one
/// compiled template on N threads for a fixed time, the work a server does per pass download.
/// </summary>
public static class BenchCommands
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Pass model folder or zip", Required = true };
        var seconds = new Option<double>("--seconds") { Description = "How long to measure", DefaultValueFactory = _ => 10 };
        var threads = new Option<int>("--threads") { Description = "Signing threads; 0 = one per core", DefaultValueFactory = _ => 1 };
        var validate = new Option<bool>("--validate") { Description = "Also check every composed pass.json against the rules (the server does this when a pass changes, not per download)" };
        var signing = new SigningOptions();
        var sign = new Command("sign", "Sign distinct passes for N seconds and print signed passes/s") { model, seconds, threads, validate };
        signing.AddTo(sign);
        sign.SetAction(result => CommandRunner.Guard(() =>
        {
            var duration = TimeSpan.FromSeconds(result.GetValue(seconds));
            var threadCount = result.GetValue(threads) is var n and > 0 ? n : Environment.ProcessorCount;
            if (duration <= TimeSpan.Zero)
                throw new UsageException("--seconds must be positive");
            var template = CompiledPassTemplate.Compile(PassModel.Load(result.GetValue(model)!, options: new PassValidationOptions { IsTemplate = true }));
            using var signer = signing.CreateSigner(result);
            var packager = new PassPackager(signer);
            var check = result.GetValue(validate);

            Run(packager, template, threadCount, TimeSpan.FromSeconds(Math.Min(2, duration.TotalSeconds / 2)), check, "warmup"); // JIT and tiering
            var (count, bytes, elapsed) = Run(packager, template, threadCount, duration, check, "run");
            var rate = count / elapsed.TotalSeconds;
            Console.WriteLine($"threads: {threadCount}, passes: {count}, seconds: {elapsed.TotalSeconds:F2}, avg size: {bytes / Math.Max(1, count) / 1024} KiB, mean latency per thread: {elapsed.TotalMilliseconds * threadCount / Math.Max(1, count):F3} ms");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"signed passes/s: {rate:F1}"));
            return ExitCodes.Success;
        }));
        return new Command("bench", "Benchmarks") { sign };
    }

    private static (long Count, long Bytes, TimeSpan Elapsed) Run(PassPackager packager, CompiledPassTemplate template, int threads, TimeSpan duration, bool validate, string prefix)
    {
        long total = 0, bytes = 0;
        var stopwatch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            long count = 0, size = 0;
            while (stopwatch.Elapsed < duration)
            {
                var serial = $"{prefix}-{t}-{count}";
                var layer = new PassLayer(Patch: new JsonObject
                {
                    ["barcodes"] = new JsonArray(new JsonObject
                    {
                        ["format"] = "PKBarcodeFormatQR", ["message"] = serial, ["messageEncoding"] = "iso-8859-1",
                    }),
                });
                size += packager.Build(template, serial, [layer], validate: validate).Length;
                count++;
            }
            Interlocked.Add(ref total, count);
            Interlocked.Add(ref bytes, size);
        }) { IsBackground = true }).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        return (total, bytes, stopwatch.Elapsed);
    }
}
