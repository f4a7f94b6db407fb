namespace PassGrains.Cli.Tests.Infrastructure;

/// <summary>A development signing chain written by <c>passgrains certs dev</c>.</summary>
public sealed record DevChain(string Directory, string Password)
{
    public string Wwdr => Path.Combine(Directory, "wwdr.pem");

    public string P12 => Path.Combine(Directory, "pass.p12");

    public string CertificatePem => Path.Combine(Directory, "pass.pem");

    public string KeyPem => Path.Combine(Directory, "pass.key");

    public static async Task<DevChain> CreateAsync(string directory, params string[] extraArguments)
    {
        var result = await CliProcess.RunAsync(["certs", "dev", "--out", directory, .. extraArguments]);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"certs dev failed:{Environment.NewLine}{result}");
        var password = extraArguments.SkipWhile(a => a != "--password").Skip(1).FirstOrDefault() ?? "dev";
        var chain = new DevChain(directory, password);
        foreach (var file in new[] { chain.Wwdr, chain.P12, chain.CertificatePem, chain.KeyPem })
        {
            if (!File.Exists(file))
                throw new InvalidOperationException($"certs dev did not write {file}:{Environment.NewLine}{result}");
        }
        return chain;
    }

    /// <summary>The arguments of a <c>pass build</c> signed by this chain (with its CA as --wwdr).</summary>
    public string[] BuildArguments(string model, string serial, string output, params string[] extra) =>
        ["pass", "build", "--model", model, "--serial", serial, "--cert", P12, "--password", Password, "--wwdr", Wwdr, "--out", output, .. extra];
}

/// <summary>
/// Development chains for one test class: <see cref="Main"/> (pass.com.example.event, team ABCDE12345, the
/// identifiers of every model) made up front; the others, made on first use, differ in one way each.
/// </summary>
public sealed class DevChainFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _root = new("chains");

    public DevChainFixture()
    {
        OtherCa = new(() => DevChain.CreateAsync(_root.Combine("other-ca")));
        OtherPassType = new(() => DevChain.CreateAsync(_root.Combine("other-type"), "--pass-type-id", "pass.com.other"));
        OtherTeam = new(() => DevChain.CreateAsync(_root.Combine("other-team"), "--team-id", "ZZZZZ99999"));
    }

    public DevChain Main { get; private set; } = null!;

    /// <summary>Same pass type and team as <see cref="Main"/>, but its own local CA.</summary>
    public Lazy<Task<DevChain>> OtherCa { get; }

    /// <summary>A certificate for pass.com.other.</summary>
    public Lazy<Task<DevChain>> OtherPassType { get; }

    /// <summary>A certificate for pass.com.example.event of team ZZZZZ99999.</summary>
    public Lazy<Task<DevChain>> OtherTeam { get; }

    public async Task InitializeAsync() => Main = await DevChain.CreateAsync(_root.Combine("main"));

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _root.Dispose();
}
