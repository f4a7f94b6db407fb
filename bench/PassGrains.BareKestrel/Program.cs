var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
var body = """{"serialNumbers":["TEMPLATE"],"lastUpdated":"1795786014740690"}"""u8.ToArray();
app.MapGet("/", () => Results.Bytes(body, "application/json"));
// The transfer floor of the herd benchmark: the bytes of a file (--pkpass PATH, read at the first request, so the
// file may be written after the start) as a pass, the way the server answers GET /v1/passes/{passType}/{serial}.
var pkpassPath = app.Configuration["pkpass"];
var pkpass = new Lazy<byte[]>(() => File.ReadAllBytes(pkpassPath ?? throw new InvalidOperationException("start with --pkpass PATH")));
app.MapGet("/pkpass", () => Results.Bytes(pkpass.Value, "application/vnd.apple.pkpass"));
app.Run();
