using System.Net;
using System.Net.Sockets;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>A server whose webhooks may reach loopback (the receivers' address), whose attempts wait long, and whose log lines are kept.</summary>
public sealed class WebhookSafetyFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _root = new("webhook-safety");

    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var chain = SigningChain.Create(_root.Combine("chain"));
        Server = await TestServer.StartAsync(_root.Combine("data"), chain, ServerSettings.NewSecretKey(), configuration =>
        {
            // Longer than any wait of these tests: a receiver that hangs stays "in an attempt" throughout.
            configuration["PassGrains:Webhooks:AttemptTimeout"] = "00:01:00";
            configuration["Logging:LogLevel:Default"] = "Information";
            configuration["Logging:LogLevel:System.Net.Http"] = "Trace";
        });
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public void Dispose() => _root.Dispose();
}

/// <summary>A webhook receiver cannot hold up other receivers' events, and no webhook secret leaves the server.</summary>
public sealed class WebhookSafetyTests(WebhookSafetyFixture fixture) : IClassFixture<WebhookSafetyFixture>
{
    private const string PassType = TestEnvironment.PassType;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private PassGrainsClient Client => fixture.Server.Client;

    [Fact]
    public async Task A_receiver_that_accepts_connections_and_never_answers_does_not_delay_another_receivers_events()
    {
        using var silent = SilentListener.Start();
        await using var healthy = await WebhookReceiver.StartAsync();
        // More hanging webhooks than a shared pool of workers would have had, subscribed before the healthy one.
        var stuck = Enumerable.Range(1, 6).Select(i => $"stuck-{i}").ToList();
        foreach (var name in stuck)
            await PutAsync(name, silent.Url, "stuck-secret-0123456789");
        await PutAsync("healthy", healthy.Url, "healthy-secret-0123456789");
        try
        {
            foreach (var serial in new[] { TestEnvironment.UniqueId("iso"), TestEnvironment.UniqueId("iso") })
            {
                await Client.IssueAsync(new { templateId = InProcessServerFixture.BoardingTemplate, serialNumber = serial });
                await healthy.WaitForAsync(e => e.GetProperty("serialNumber").GetString() == serial, Deadline);
            }

            // Meanwhile every hanging webhook has its own attempt open, none given up (the attempt timeout is a minute).
            await WaitUntilAsync(() => silent.Accepted >= stuck.Count, Deadline, () => $"{silent.Accepted} connections to the silent port");
            Assert.Equal(silent.Accepted, silent.StillOpen);
        }
        finally
        {
            foreach (var name in stuck.Append("healthy"))
                await DeleteAsync(name);
        }
    }

    [Fact]
    public async Task An_event_still_being_retried_when_its_webhook_is_deleted_is_dropped()
    {
        await using var failing = await WebhookReceiver.StartAsync();
        failing.FailFirst = int.MaxValue;
        await PutAsync("deleted-while-retrying", failing.Url, "retrying-secret-0123456789");
        await Client.IssueAsync(new { templateId = InProcessServerFixture.BoardingTemplate, serialNumber = TestEnvironment.UniqueId("drop") });
        await failing.WaitForCallsAsync(2, Deadline); // answered 503 and retried

        await DeleteAsync("deleted-while-retrying");
        await fixture.Server.Logs.WaitForAsync(l => l.Contains("Webhook deleted-while-retrying: deleted", StringComparison.Ordinal), Deadline);
        var calls = failing.Calls;
        await using var other = await WebhookReceiver.StartAsync();
        await PutAsync("after-the-drop", other.Url, "other-secret-0123456789");
        var serial = TestEnvironment.UniqueId("drop");
        await Client.IssueAsync(new { templateId = InProcessServerFixture.BoardingTemplate, serialNumber = serial });
        await other.WaitForAsync(e => e.GetProperty("serialNumber").GetString() == serial, Deadline);
        Assert.Equal(calls, failing.Calls);
        await DeleteAsync("after-the-drop");
    }

    [Fact]
    public async Task Webhook_secrets_appear_in_no_answer_and_no_log_line()
    {
        const string failingSecret = "failing-secret-must-stay-hidden-1";
        const string redirectSecret = "redirect-secret-must-stay-hidden-2";
        await using var failing = await WebhookReceiver.StartAsync();
        failing.FailFirst = 2;
        await using var redirecting = await WebhookReceiver.StartAsync();
        redirecting.RedirectTo = failing.Url;

        var answers = new List<string>
        {
            await PutAsync("failing", failing.Url, failingSecret),
            await PutAsync("redirecting", redirecting.Url, redirectSecret),
            await PutAsync("failing", failing.Url, failingSecret, HttpStatusCode.OK),
        };
        try
        {
            foreach (var name in new[] { "failing", "redirecting" })
            {
                using var get = await Client.SendAsync(HttpMethod.Get, $"api/webhooks/{name}");
                answers.Add(await Expect.Status(get, HttpStatusCode.OK));
            }
            var serial = TestEnvironment.UniqueId("secret");
            await Client.IssueAsync(new { templateId = InProcessServerFixture.BoardingTemplate, serialNumber = serial });
            await failing.WaitForAsync(e => e.GetProperty("serialNumber").GetString() == serial, Deadline);
            await fixture.Server.Logs.WaitForAsync(l => l.Contains("Webhook redirecting: attempt 2 failed", StringComparison.Ordinal), Deadline);
            await fixture.Server.Logs.WaitForAsync(l => l.Contains("Webhook failing: attempt 2 failed", StringComparison.Ordinal), Deadline);
        }
        finally
        {
            await DeleteAsync("failing");
            await DeleteAsync("redirecting");
        }

        foreach (var secret in new[] { failingSecret, redirectSecret })
        {
            Assert.DoesNotContain(answers, a => a.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(fixture.Server.Logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));
        }
    }

    private async Task<string> PutAsync(string name, string url, string secret, HttpStatusCode expected = HttpStatusCode.Created)
    {
        using var put = await Client.SendAsync(HttpMethod.Put, $"api/webhooks/{name}", PassGrainsClient.JsonBody(new { url, secret, passTypeIdentifier = PassType }));
        return await Expect.Status(put, expected);
    }

    private async Task DeleteAsync(string name)
    {
        using var delete = await Client.SendAsync(HttpMethod.Delete, $"api/webhooks/{name}");
        await Expect.Status(delete, HttpStatusCode.NoContent);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        var until = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"not within {timeout}: {describe()}");
            await Task.Delay(25);
        }
    }
}

/// <summary>A server as it runs by default: webhooks may reach only public addresses.</summary>
public sealed class DefaultWebhookPolicyFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _root = new("webhook-default");

    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Server = await TestServer.StartAsync(_root.Combine("data"), SigningChain.Create(_root.Combine("chain")), ServerSettings.NewSecretKey(),
            configuration => configuration.Remove("PassGrains:Webhooks:AllowPrivateNetworks"));

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public void Dispose() => _root.Dispose();
}

/// <summary>An issuer key is not a way to make the server POST into its own network (server-side request forgery).</summary>
public sealed class WebhookPrivateNetworkTests(DefaultWebhookPolicyFixture fixture) : IClassFixture<DefaultWebhookPolicyFixture>
{
    private const string PassType = TestEnvironment.PassType;
    private const string Secret = "webhook-secret-0123456789";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://127.1.2.3/hook")]
    [InlineData("http://localhost:8080/hook")]
    [InlineData("http://[::1]:8080/hook")]
    [InlineData("http://2130706433/hook")] // 127.0.0.1 written as one number
    [InlineData("http://0.0.0.0:8080/hook")]
    [InlineData("http://[::]:8080/hook")]
    [InlineData("http://10.1.2.3/hook")]
    [InlineData("http://172.16.0.1/hook")]
    [InlineData("http://192.168.1.1/hook")]
    [InlineData("http://100.64.0.1/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://192.0.2.1/hook")] // documentation range, used inside some networks
    [InlineData("http://224.0.0.1/hook")]
    [InlineData("http://255.255.255.255/hook")]
    [InlineData("http://[fe80::1]/hook")]
    [InlineData("http://[fc00::1]/hook")]
    [InlineData("http://[fd12:3456::1]/hook")]
    [InlineData("http://[ff02::1]/hook")]
    [InlineData("http://[::ffff:127.0.0.1]/hook")]
    [InlineData("http://[::ffff:169.254.169.254]/hook")]
    [InlineData("http://[::ffff:10.0.0.1]/hook")]
    [InlineData("http://[64:ff9b::a9fe:a9fe]/hook")] // NAT64 of 169.254.169.254
    [InlineData("http://[2002:7f00:1::1]/hook")] // 6to4 of 127.0.0.1
    public async Task By_default_a_webhook_may_not_point_at_loopback_private_link_local_or_reserved_addresses(string url)
    {
        using var put = await PutAsync("ssrf", url);
        await Expect.Problem(put, HttpStatusCode.BadRequest, "url");
        using var get = await fixture.Server.Client.SendAsync(HttpMethod.Get, "api/webhooks/ssrf");
        await Expect.Problem(get, HttpStatusCode.NotFound);
    }

    /// <summary>
    /// Offline there is no DNS server, so the name must resolve locally: a subdomain of localhost (which .NET may
    /// answer with loopback itself), or the machine's own host name, which resolves to 127.x from /etc/hosts
    /// (.NET adds the machine's interface addresses to it; one loopback address among them is enough to be refused).
    /// </summary>
    [Fact]
    public async Task By_default_a_name_that_resolves_to_loopback_is_refused()
    {
        string? name = null;
        var seen = new List<string>();
        foreach (var candidate in new[] { "passgrains-test.localhost", Dns.GetHostName(), "localhost." })
        {
            try
            {
                var addresses = await Dns.GetHostAddressesAsync(candidate);
                seen.Add($"{candidate}: {string.Join(", ", addresses.Select(a => a.ToString()))}");
                if (addresses.Any(IPAddress.IsLoopback))
                {
                    name = candidate;
                    break;
                }
            }
            catch (SocketException e)
            {
                seen.Add($"{candidate}: {e.Message}");
            }
        }
        Assert.True(name is not null, $"no candidate name resolves to loopback here ({string.Join("; ", seen)})");

        using var put = await PutAsync("ssrf-name", $"http://{name}:8080/hook");
        var problem = await Expect.Problem(put, HttpStatusCode.BadRequest, "url");
        Assert.Contains("AllowPrivateNetworks", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>A name that does not resolve (yet) is accepted: its receiver's DNS may come later, and every delivery vets its addresses.</summary>
    [Fact]
    public async Task By_default_public_addresses_and_names_that_do_not_resolve_yet_are_accepted()
    {
        try
        {
            using (var put = await PutAsync("public-address", "https://93.184.215.14/hook"))
                await Expect.Status(put, HttpStatusCode.Created);
            using (var put = await PutAsync("not-yet-in-dns", "https://hooks.passgrains.invalid/hook"))
                await Expect.Status(put, HttpStatusCode.Created);
        }
        finally
        {
            using var first = await fixture.Server.Client.SendAsync(HttpMethod.Delete, "api/webhooks/public-address");
            using var second = await fixture.Server.Client.SendAsync(HttpMethod.Delete, "api/webhooks/not-yet-in-dns");
        }
    }

    /// <summary>
    /// The connection-time check, on its own: a webhook stored while an operator allowed private networks is not
    /// called once the server runs with the default again (the same holds for a name whose DNS answer changed).
    /// </summary>
    [Fact]
    public async Task A_loopback_webhook_stored_while_private_networks_were_allowed_is_refused_when_delivering_under_the_default()
    {
        using var root = new TempDirectory("webhook-rebind");
        var chain = SigningChain.Create(root.Combine("chain"));
        var secretKey = ServerSettings.NewSecretKey();
        await using var receiver = await WebhookReceiver.StartAsync();

        await using (var allowing = await TestServer.StartAsync(root.Combine("data"), chain, secretKey, _ => { }))
        {
            using var put = await allowing.Client.SendAsync(HttpMethod.Put, "api/webhooks/inside",
                PassGrainsClient.JsonBody(new { url = receiver.Url, secret = Secret, passTypeIdentifier = PassType }));
            await Expect.Status(put, HttpStatusCode.Created);
            var serial = TestEnvironment.UniqueId("allowed");
            await allowing.Client.IssueAsync(new { templateId = InProcessServerFixture.BoardingTemplate, serialNumber = serial });
            await receiver.WaitForAsync(e => e.GetProperty("serialNumber").GetString() == serial, Deadline); // the receiver works
        }

        await using var strict = await TestServer.StartAsync(root.Combine("data"), chain, secretKey,
            configuration => configuration.Remove("PassGrains:Webhooks:AllowPrivateNetworks"));
        var calls = receiver.Calls;
        await strict.Client.IssueAsync(new { templateId = InProcessServerFixture.BoardingTemplate, serialNumber = TestEnvironment.UniqueId("refused") });
        var refused = await strict.Logs.WaitForAsync(l => l.Contains("Webhook inside: refused to connect", StringComparison.Ordinal), Deadline);
        Assert.Contains("127.0.0.1", refused, StringComparison.Ordinal);
        Assert.Equal(calls, receiver.Calls);
        Assert.DoesNotContain(strict.Logs.Lines, l => l.Contains("Webhook inside: attempt", StringComparison.Ordinal)); // refused, not retried
    }

    [Fact]
    public async Task A_server_with_an_impossible_webhook_setting_does_not_start_and_names_it()
    {
        using var root = new TempDirectory("webhook-options");
        var failure = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            TestServer.StartAsync(root.Combine("data"), SigningChain.Create(root.Combine("chain")), ServerSettings.NewSecretKey(),
                configuration => configuration["PassGrains:Webhooks:AttemptTimeout"] = "00:00:00"));
        Assert.Contains("PassGrains:Webhooks:AttemptTimeout", failure.Message, StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> PutAsync(string name, string url) =>
        fixture.Server.Client.SendAsync(HttpMethod.Put, $"api/webhooks/{name}", PassGrainsClient.JsonBody(new { url, secret = Secret, passTypeIdentifier = PassType }));
}
