using Microsoft.Extensions.Options;
using PassGrains.Grains;

namespace PassGrains.Server.Webhooks;

public static class WebhooksHosting
{
    /// <summary>The event feed's options, and the delivery of its events to webhooks through vetted addresses.</summary>
    public static WebApplicationBuilder AddWebhooks(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<EventFeedOptions>().Bind(builder.Configuration.GetSection(EventFeedOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<WebhookOptions>().Bind(builder.Configuration.GetSection(WebhookOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        // The sender bounds every attempt itself (WebhookOptions.AttemptTimeout) and logs failures by webhook name; the
        // factory's request logs would print URLs, whose query may carry a receiver's token. The handler vets every address it connects to.
        builder.Services.AddHttpClient(nameof(WebhookSender), client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => WebhookAddresses.CreateHandler(sp.GetRequiredService<IOptions<WebhookOptions>>().Value))
            .RemoveAllLoggers();
        builder.Services.AddSingleton<WebhookSender>();
        builder.Services.AddSingleton<IWebhookSender>(sp => sp.GetRequiredService<WebhookSender>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookSender>());
        builder.Services.AddSingleton<WebhookSubscriptions>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookSubscriptions>());
        return builder;
    }
}
