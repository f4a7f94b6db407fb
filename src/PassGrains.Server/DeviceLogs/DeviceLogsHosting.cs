namespace PassGrains.Server.DeviceLogs;

public static class DeviceLogsHosting
{
    /// <summary>The bounded store of what devices post to /v1/log (its budgets are Security's rate limits).</summary>
    public static WebApplicationBuilder AddDeviceLogs(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DeviceLogStore>();
        return builder;
    }
}
