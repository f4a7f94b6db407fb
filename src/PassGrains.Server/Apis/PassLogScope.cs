using System.Collections;

namespace PassGrains.Server.Apis;

/// <summary>
/// Puts the pass and device a request is about into the logging scope, so every log line written while
/// serving it (rendering, pushes, errors) can be found by serial number or device.
/// </summary>
/// <remarks>
/// It runs on every device request, the hottest path there is: one logger per application, made when the
/// endpoints are built, and one small scope object per request.
/// </remarks>
public static class PassLogScope
{
    private static readonly string[] RouteKeys = ["passTypeIdentifier", "serialNumber", "deviceLibraryIdentifier"];

    /// <summary>Adds the scope to every endpoint of <paramref name="builder"/>, with this application's logger.</summary>
    public static TBuilder WithPassLogScope<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilterFactory((factoryContext, next) =>
        {
            var logger = factoryContext.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("PassGrains.Requests");
            return invocation => InScope(invocation, next, logger);
        });

    private static async ValueTask<object?> InScope(EndpointFilterInvocationContext context, EndpointFilterDelegate next, ILogger logger)
    {
        var values = context.HttpContext.Request.RouteValues;
        var scope = new RouteScope();
        foreach (var key in RouteKeys)
        {
            if (values.TryGetValue(key, out var value) && value is not null)
                scope.Add(key, value);
        }
        if (scope.Count == 0)
            return await next(context);
        using (logger.BeginScope(scope))
            return await next(context);
    }

    /// <summary>Up to three route values, read by log providers as key/value pairs and printed as "key:value, ...".</summary>
    private sealed class RouteScope : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly KeyValuePair<string, object?>[] _items = new KeyValuePair<string, object?>[3];

        public int Count { get; private set; }

        public KeyValuePair<string, object?> this[int index] =>
            index < Count ? _items[index] : throw new ArgumentOutOfRangeException(nameof(index));

        public void Add(string key, object value) => _items[Count++] = new(key, value);

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
                yield return _items[i];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => string.Join(", ", _items.Take(Count).Select(p => $"{p.Key}:{p.Value}"));
    }
}
