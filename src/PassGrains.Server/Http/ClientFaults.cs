namespace PassGrains.Server.Http;

/// <summary>
/// A client's fault is a 4xx, never an unhandled exception: a body Kestrel refuses while it is read (too large,
/// malformed chunking) answers its status, and a client that hangs up mid-request is let go without an error in
/// the log, since no one is left to answer.
/// </summary>
public static class ClientFaults
{
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            context.Response.Clear();
            await Results.Problem(statusCode: e.StatusCode, title: "bad request", detail: e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? "the request body is larger than this endpoint accepts"
                : "the request could not be read").ExecuteAsync(context);
        }
        catch (Exception e) when (context.RequestAborted.IsCancellationRequested && e is OperationCanceledException or IOException or BadHttpRequestException)
        {
            // The client went away; nothing to answer.
        }
    }
}
