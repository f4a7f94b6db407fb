namespace PassGrains.Server.Apis;

/// <summary>
/// Puts the pass and device a request is about into the logging scope, so every log line written while
/// serving it (grain calls, pushes, errors) can be found by serial number or device.
/// </summary>
public static class PassLogScope
{
    private static readonly string[] RouteKeys = ["passTypeIdentifier", "serialNumber", "deviceLibraryIdentifier"];

    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var values = context.HttpContext.Request.RouteValues;
        List<KeyValuePair<string, object?>>? scope = null;
        foreach (var key in RouteKeys)
        {
            if (values.TryGetValue(key, out var value) && value is not null)
                (scope ??= []).Add(new(key, value));
        }
        if (scope is null)
            return await next(context);
        var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("PassGrains.Requests");
        using (logger.BeginScope(scope))
            return await next(context);
    }
}
