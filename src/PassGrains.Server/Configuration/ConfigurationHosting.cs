namespace PassGrains.Server.Configuration;

public static class ConfigurationHosting
{
    /// <summary>The shared settings, checked now: where data lives and the public URL (<see cref="Locate"/> makes them real).</summary>
    public static PassGrainsOptions AddServerOptions(this WebApplicationBuilder builder) =>
        builder.AddSettingsNow<PassGrainsOptions>(PassGrainsOptions.Section);

    /// <summary>Creates the data directory and resolves the public URL (which Development may leave out).</summary>
    public static ServerLocation Locate(this WebApplicationBuilder builder, PassGrainsOptions options)
    {
        var dataDirectory = Path.GetFullPath(options.DataDirectory, Environment.CurrentDirectory);
        Directory.CreateDirectory(dataDirectory);
        var location = new ServerLocation(dataDirectory, PublicUrl.Resolve(options.PublicUrl, builder.Environment));
        builder.Services.AddSingleton(location);
        builder.Services.AddSingleton(location.PublicUrl);
        return location;
    }
}
