namespace PassGrains.Server.Rendering;

public static class RenderingHosting
{
    /// <summary>
    /// Rendering and signing passes in the front end: a compiled template per revision, and the signed passes of recent
    /// versions (<see cref="RenderedPassCache"/>, <c>PassGrains:Rendering:CacheMegabytes</c>), cached per silo.
    /// </summary>
    public static WebApplicationBuilder AddRendering(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RenderingOptions>().Bind(builder.Configuration.GetSection(RenderingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<RenderedPassCache>();
        builder.Services.AddSingleton<PassRenderer>();
        return builder;
    }

    /// <summary>
    /// The silo's cache of what device requests read (<see cref="Grains.Caching.StampCache"/>,
    /// <c>PassGrains:StampCache:MaxEntries</c>): a 304 or an empty list asks no grain when a device asks again.
    /// </summary>
    public static ISiloBuilder AddDeviceReadCache(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Services.AddOptions<Grains.Caching.StampCacheOptions>().Bind(configuration.GetSection(Grains.Caching.StampCacheOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        return Grains.Caching.StampCacheHosting.AddStampCache(silo);
    }
}
