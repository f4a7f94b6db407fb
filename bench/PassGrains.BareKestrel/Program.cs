var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
var body = """{"serialNumbers":["TEMPLATE"],"lastUpdated":"1795786014740690"}"""u8.ToArray();
app.MapGet("/", () => Results.Bytes(body, "application/json"));
app.Run();
