using Microsoft.Extensions.Options;
using PassGrains.Grains;

namespace PassGrains.Server.Webhooks;

public static class WebhooksHosting
{
    /// <summary>Lifecycle events to the stream, and their delivery to subscribers through vetted addresses.</summary>
    public static WebApplicationBuilder AddWebhooks(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebhookOptions>().Bind(builder.Configuration.GetSection(WebhookOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        // The sender bounds every attempt itself (WebhookOptions.AttemptTimeout) and logs failures by webhook name; the
        // factory's request logs would print URLs, whose query may carry a receiver's token. The handler vets every address it connects to.
        builder.Services.AddHttpClient(nameof(WebhookSender), client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => WebhookAddresses.CreateHandler(sp.GetRequiredService<IOptions<WebhookOptions>>().Value))
            .RemoveAllLoggers();
        builder.Services.AddSingleton<WebhookSender>();
        builder.Services.AddSingleton<IWebhookSender>(sp => sp.GetRequiredService<WebhookSender>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookSender>());
        builder.Services.AddSingleton<ILifecycleEvents, StreamLifecycleEvents>();
        builder.Services.AddSingleton<WebhookSubscriptions>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookSubscriptions>());
        return builder;
    }

    /// <summary>The silo's side: lifecycle events on memory streams, one implicit subscriber grain per pass type.</summary>
    public static ISiloBuilder AddLifecycleEventStreams(this ISiloBuilder silo)
    {
        silo.AddMemoryStreams(Abstractions.LifecycleEvent.StreamProvider);
        silo.AddMemoryGrainStorage("PubSubStore");
        return silo;
    }
}
