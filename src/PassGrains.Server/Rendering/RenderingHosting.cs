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
}
