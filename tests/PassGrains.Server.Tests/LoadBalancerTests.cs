using System.Diagnostics;
using System.Net;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// The local cluster's balancer (src/PassGrains.LoadBalancer, run as its own process) in front of a silo passes the
/// silo's answers on: a body over an endpoint's limit, streamed without a length as a proxy streams it, is the
/// silo's 413, not the balancer's 502 for a connection cut mid-body.
/// </summary>
public sealed class LoadBalancerTests : IDisposable
{
    private readonly TempDirectory _root = new("balancer");

    public void Dispose() => _root.Dispose();

    /// <summary><paramref name="length"/> zero bytes, with no length known in advance: HttpClient sends it chunked.</summary>
    private sealed class UnsizedZeros(long length) : Stream
    {
        private long _left = length;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, _left);
            Array.Clear(buffer, offset, n);
            _left -= n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static async Task<HttpResponseMessage> SendUnsizedAsync(HttpClient http, HttpMethod method, string url, string mediaType, long length, string? apiKey)
    {
        using var request = new HttpRequestMessage(method, url) { Content = new StreamContent(new UnsizedZeros(length)) };
        request.Content.Headers.ContentType = new(mediaType);
        if (apiKey is not null)
            request.Headers.Authorization = new("Bearer", apiKey);
        return await http.SendAsync(request);
    }

    [Fact]
    public async Task A_body_over_the_limit_through_the_balancer_is_the_silos_413()
    {
        var chain = SigningChain.Create(_root.Combine("chain"));
        var data = _root.Combine("data");
        Directory.CreateDirectory(data);
        var settings = ServerSettings.Create(data, chain);
        await using var silo = await ServerProcess.StartAsync(settings);
        var balancerUrl = $"http://127.0.0.1:{TestEnvironment.FreePort()}/";
        var balancerDll = Path.Combine(AppContext.BaseDirectory, "PassGrains.LoadBalancer.dll");
        Assert.True(File.Exists(balancerDll), $"{balancerDll} is missing: the project reference should copy it to the test output");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { balancerDll, "--urls", balancerUrl.TrimEnd('/'), "--silos", settings.BaseUrl })
            start.ArgumentList.Add(argument);
        using var balancer = Process.Start(start)!;
        balancer.OutputDataReceived += (_, _) => { };
        balancer.ErrorDataReceived += (_, _) => { };
        balancer.BeginOutputReadLine();
        balancer.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(120) };
            var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
            while (true)
            {
                try
                {
                    using var alive = await http.GetAsync(balancerUrl + "alive");
                    if (alive.StatusCode == HttpStatusCode.OK)
                        break;
                }
                catch (HttpRequestException) when (DateTimeOffset.UtcNow < deadline)
                {
                }
                Assert.True(DateTimeOffset.UtcNow < deadline, "the balancer did not pass /alive on within 60 s");
                await Task.Delay(100);
            }

            // A template zip over its 32 MiB, and a device log over its 64 KiB: both through the balancer and, for comparison, straight to the silo.
            foreach (var baseUrl in new[] { balancerUrl, settings.BaseUrl })
            {
                using (var template = await SendUnsizedAsync(http, HttpMethod.Put, baseUrl + "api/templates/too-large", "application/zip", 40L * 1024 * 1024, TestEnvironment.ApiKey))
                    await Expect.Problem(template, HttpStatusCode.RequestEntityTooLarge);
                using (var log = await SendUnsizedAsync(http, HttpMethod.Post, baseUrl + "v1/log", "application/json", 40L * 1024 * 1024, null))
                    await Expect.Problem(log, HttpStatusCode.RequestEntityTooLarge);
            }
        }
        finally
        {
            balancer.Kill(entireProcessTree: true);
            await balancer.WaitForExitAsync();
        }
    }
}
