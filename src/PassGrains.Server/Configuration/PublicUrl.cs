namespace PassGrains.Server.Configuration;

/// <summary>The base URL devices and download links use; always ends with '/'.</summary>
public sealed record PublicUrl(Uri Value)
{
    public bool IsHttp => Value.Scheme == Uri.UriSchemeHttp;

    /// <summary>The path prefix of the web service ("/" or "/passes/").</summary>
    public string BasePath => Value.AbsolutePath;

    public string Combine(string relative) => new Uri(Value, relative.TrimStart('/')).ToString();

    public static PublicUrl Resolve(string? configured, IHostEnvironment environment)
    {
        var text = configured ?? (environment.IsDevelopment() ? "http://localhost:5000/" : null)
            ?? throw new InvalidOperationException("PassGrains:PublicUrl is required outside Development: the https base URL devices reach this server at (it becomes webServiceURL in every pass)");
        if (!text.EndsWith('/'))
            text += "/";
        return new PublicUrl(new Uri(text, UriKind.Absolute));
    }
}
