using System.Security.Cryptography;
using Orleans.Runtime;
using Orleans.TestingHost;
using PassGrains.Abstractions;
using PassGrains.Grains.Tests.Postgres;

namespace PassGrains.Grains.Tests;

/// <summary>
/// The PostgreSQL test cluster the failover test runs on, briefly: its silos and client find each other through the
/// membership table and talk over mutual TLS with the run's cluster certificate, and grains answer across silos.
/// </summary>
public sealed class PostgresTlsClusterTests
{
    [PostgresFact]
    public async Task Silos_and_client_talk_over_mutual_TLS_with_the_cluster_certificate()
    {
        await using var database = await PostgresTestDatabase.CreateAsync(maxPoolSize: 10);
        var run = PostgresRun.Register(database.ConnectionString, new PassTokens(RandomNumberGenerator.GetBytes(32)));
        try
        {
            var builder = new TestClusterBuilder(2);
            builder.Options.UseTestClusterMembership = false;
            builder.Options.ConfigureFileLogging = false;
            builder.Properties[PostgresRun.ConfigurationKey] = run.Id;
            builder.AddSiloBuilderConfigurator<PostgresSiloConfigurator>();
            builder.AddClientBuilderConfigurator<PostgresClientConfigurator>();
            await using var cluster = builder.Build();
            await cluster.DeployAsync();

            var hosts = await cluster.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            Assert.Equal(2, hosts.Count);
            // Grains placed across both silos answer the client through its gateway, calling on across silos.
            for (var i = 0; i < 8; i++)
                Assert.Null(await cluster.Client.GetGrain<IPassGrain>(GrainKeys.Pass("pass.com.example.tls", $"nothing-{i}")).GetSummary());
        }
        finally
        {
            PostgresRun.Unregister(run);
        }
    }
}
