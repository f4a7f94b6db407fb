using PassGrains.Server.Configuration;

namespace PassGrains.Server.PassTypes;

public static class PassTypesHosting
{
    /// <summary>Checks <c>PassGrains:PassTypes</c> now (<see cref="AddPassTypes"/> loads the certificates).</summary>
    public static PassTypesOptions AddPassTypeOptions(this WebApplicationBuilder builder) =>
        builder.AddSettingsNow<PassTypesOptions>(PassTypesOptions.Section);

    /// <summary>Loads every signing certificate now, so that a wrong one stops the start (Development without any: a generated chain).</summary>
    public static PassTypeRegistry AddPassTypes(this WebApplicationBuilder builder, PassTypesOptions options, ServerLocation location)
    {
        var passTypes = PassTypeRegistry.Create(options.PassTypes, builder.Environment.IsDevelopment(), location.DataDirectory);
        builder.Services.AddSingleton(passTypes);
        return passTypes;
    }
}
