using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace PassGrains.Server.Tests.Infrastructure;

/// <summary>
/// One server (web front end and co-hosted silo) started in the test process for a whole test class,
/// as Program starts it, and reached only over loopback HTTP.
/// </summary>
public sealed class InProcessServerFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _root = new("inproc");
    private WebApplication? _app;

    public ServerSettings Settings { get; private set; } = null!;

    public SigningChain Chain => Settings.Chain;

    public PassGrainsClient Client { get; private set; } = null!;

    /// <summary>The running host's services (the co-hosted silo's too), for checks below HTTP such as the reminder table.</summary>
    public IServiceProvider Services => _app!.Services;

    /// <summary>The template every test of the class may issue from (samples/models/boarding.pass).</summary>
    public const string BoardingTemplate = "boarding";

    /// <summary>A store card with rewards enrollment (samples/models/rewards.pass: personalization.json).</summary>
    public const string RewardsTemplate = "rewards";

    public async Task InitializeAsync()
    {
        var chain = SigningChain.Create(_root.Combine("chain"));
        Settings = ServerSettings.Create(_root.Combine("data"), chain, ServerSettings.NewSecretKey());
        var configuration = Settings.ToConfiguration();
        configuration["Logging:LogLevel:Default"] = "Warning";
        configuration["PassGrains:Apns:Enabled"] = "false"; // no APNs here; PushTests bring their own
        _app = PassGrainsApp.Build(["--urls", Settings.BaseUrl.TrimEnd('/')], builder => builder.Configuration.AddInMemoryCollection(configuration));
        await _app.StartAsync();
        Client = new PassGrainsClient(new Uri(Settings.BaseUrl));
        using var upload = await Client.UploadTemplateAsync(BoardingTemplate, ModelZip.FromFolder(TestEnvironment.Model("boarding")));
        await Expect.Status(upload, System.Net.HttpStatusCode.Created);
        using var rewards = await Client.UploadTemplateAsync(RewardsTemplate, ModelZip.FromFolder(TestEnvironment.Model("rewards")));
        await Expect.Status(rewards, System.Net.HttpStatusCode.Created);
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        _root.Dispose();
    }

    public void Dispose() => _root.Dispose();
}
