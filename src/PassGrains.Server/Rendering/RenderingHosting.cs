namespace PassGrains.Server.Rendering;

public static class RenderingHosting
{
    /// <summary>Rendering and signing passes in the front end, a compiled template per revision cached per silo.</summary>
    public static WebApplicationBuilder AddRendering(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PassRenderer>();
        return builder;
    }
}
