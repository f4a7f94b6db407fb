using System.Globalization;
using System.Text;
using PassGrains.Cli.Tests.Infrastructure;

namespace PassGrains.Cli.Tests;

/// <summary><c>passgrains issue</c> against a real server: bulk issuing, refused rows, broken files, a refused key.</summary>
[Collection(RunningServer.Name)]
public sealed class IssueCommandTests(ServerFixture server) : IDisposable
{
    private readonly TempDirectory _temp = new("issue");

    public void Dispose() => _temp.Dispose();

    private string WriteCsv(string name, string content, bool bom = false)
    {
        var path = _temp.Combine(name);
        File.WriteAllBytes(path, [.. (bom ? Encoding.UTF8.GetPreamble() : []), .. Encoding.UTF8.GetBytes(content)]);
        return path;
    }

    private static string Passenger(int i) => (i % 97, i % 3) switch
    {
        (0, _) => $"First line {i}\nsecond line",
        (_, 0) => $"Doe, Jane \"JJ\" {i}",
        _ => $"Passenger {i}",
    };

    private static string Seat(int i) => string.Create(CultureInfo.InvariantCulture, $"{i % 40 + 1}{"ABCDEF"[i % 6]}");

    private static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;

    [Fact]
    public async Task Issues_ten_thousand_passes_from_a_csv_with_groups_and_fields()
    {
        const int count = 10_000;
        var prefix = ServerFixture.UniquePrefix("bulk");
        var mainGroup = prefix + "-main";
        var otherGroup = prefix + "-other";
        await server.PutGroupAsync(mainGroup, "G7");
        await server.PutGroupAsync(otherGroup, "H9");

        // Most rows take --group; every 1000th names its own; every 500th leaves the seat out (the template's stays).
        var csv = new StringBuilder("serialNumber,groupId,seat,passenger\r\n");
        for (var i = 0; i < count; i++)
            csv.Append(CultureInfo.InvariantCulture, $"{prefix}-{i},{(i % 1000 == 1 ? otherGroup : "")},{(i % 500 == 7 ? "" : Seat(i))},{Quote(Passenger(i))}\r\n");
        var path = WriteCsv("ten-thousand.csv", csv.ToString());

        var result = await server.RunCliAsync(TimeSpan.FromMinutes(3), "issue", "--template", ServerFixture.Template, "--csv", path, "--group", mainGroup);

        Expect.Exit(result, 0);
        Assert.Contains("issued 10000, failed 0", result.StdoutLines);
        Assert.True(result.StderrLines.Any(l => l.StartsWith("progress: ", StringComparison.Ordinal)), $"no progress lines on stderr{Environment.NewLine}{result}");
        Assert.Contains(result.StderrLines, l => l.StartsWith("progress: 10000/10000 (100%), issued 10000, failed 0", StringComparison.Ordinal));

        foreach (var i in new[] { 0, 1, 3, 7, 97, 1001, 4507, 5000, 9701, 9999 })
        {
            var serial = $"{prefix}-{i}";
            var pass = await server.GetPassAsync(serial);
            Assert.True(pass is not null, $"the server has no pass {serial}");
            var group = i % 1000 == 1 ? otherGroup : mainGroup;
            Assert.Equal(group, pass["groupId"]?.GetValue<string>());
            Assert.Equal(1, pass["version"]!.GetValue<long>());

            var passJson = await server.DownloadPassJsonAsync(serial);
            Assert.Equal(serial, passJson["serialNumber"]!.GetValue<string>());
            Assert.Equal(i % 500 == 7 ? "23A" : Seat(i), ServerFixture.FieldValue(passJson, "seat"));
            Assert.Equal(Passenger(i), ServerFixture.FieldValue(passJson, "passenger"));
            Assert.Equal(group == mainGroup ? "G7" : "H9", ServerFixture.FieldValue(passJson, "gate"));
        }
    }

    [Fact]
    public async Task Bad_rows_are_reported_with_their_line_and_the_servers_reason_and_the_good_rows_are_issued()
    {
        var p = ServerFixture.UniquePrefix("rows");
        var path = WriteCsv("bad-rows.csv", string.Join("\n",
            "serialNumber,seat,passenger,boarding",   // line 1
            $"{p}-1,1A,One,",                          // line 2: issued
            "not a serial!,2A,Two,",                   // line 3: an invalid serial number
            $"{p}-3,3A,\"Three, \"\"the\"\"",            // line 4: issued; one record over three lines
            "",                                        // line 5
            "third\",",                                // line 6
            $"{p}-5,5A,Five,next tuesday",             // line 7: a value the template's date field refuses
            $"{p}-1,6A,Six,",                          // line 8: repeats line 2's serial
            $"{p}-7,7A,Seven,2026-12-20T10:00+01:00",  // line 9: issued
            ""), bom: true);

        var result = await server.RunCliAsync("issue", "--template", ServerFixture.Template, "--csv", path, "--concurrency", "4");

        Expect.Exit(result, 1);
        Assert.Contains("issued 3, failed 3", result.StdoutLines);
        var failures = result.StderrLines.Where(l => l.StartsWith("line ", StringComparison.Ordinal)).ToList();
        Assert.True(failures.Count == 3, $"expected three failed rows{Environment.NewLine}{result}");
        AssertFailure(failures[0], "line 3: serialNumber: ", "serial numbers are", result);
        AssertFailure(failures[1], "line 7: $.boardingPass.auxiliaryFields[0].value: ", "W3C date", result);
        AssertFailure(failures[2], "line 8: serialNumber: ", "already exists", result);

        var first = await server.DownloadPassJsonAsync($"{p}-1");
        Assert.Equal("1A", ServerFixture.FieldValue(first, "seat")); // the earlier row won, not the repeat
        Assert.Equal("Three, \"the\"\n\nthird", ServerFixture.FieldValue(await server.DownloadPassJsonAsync($"{p}-3"), "passenger"));
        Assert.NotNull(await server.GetPassAsync($"{p}-7"));
        Assert.Null(await server.GetPassAsync($"{p}-5"));
    }

    private static void AssertFailure(string line, string start, string reason, ProcessResult result)
    {
        Assert.True(line.StartsWith(start, StringComparison.Ordinal) && line.Contains(reason, StringComparison.Ordinal),
            $"expected '{start}...{reason}...', got '{line}'{Environment.NewLine}{result}");
    }

    public static TheoryData<string, string, string> MalformedFiles => new()
    {
        { "duplicate-header", "serialNumber,seat,seat\n{p}-1,1A,1B\n", "line 1: the header names 'seat' twice" },
        { "empty-header", "serialNumber,,seat\n{p}-1,x,1A\n", "line 1: column 2 of the header has no name" },
        { "too-many-cells", "serialNumber,passenger\n{p}-1,One\n{p}-2,\"Two\nlines\"\n{p}-3,Three,extra\n", "line 5: the row has 3 cells but the header has 2 columns" },
        { "unterminated-quote", "serialNumber,passenger\n{p}-1,One\n{p}-2,\"Two\n{p}-3,Three\n", "line 3:" },
        { "stray-quote", "serialNumber,passenger\n{p}-1,One\n{p}-2,Tw\"o\n", "line 3:" },
        { "empty", "", "the file is empty" },
        { "header-only", "serialNumber,passenger\n", "no rows" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public async Task A_malformed_csv_is_a_usage_error_naming_the_line_and_nothing_is_issued(string name, string content, string message)
    {
        var p = ServerFixture.UniquePrefix("bad");
        var path = WriteCsv(name + ".csv", content.Replace("{p}", p, StringComparison.Ordinal));

        var result = await server.RunCliAsync("issue", "--template", ServerFixture.Template, "--csv", path);

        Expect.Exit(result, 2);
        Assert.True(result.Stderr.Contains(message, StringComparison.Ordinal), $"expected '{message}' on stderr{Environment.NewLine}{result}");
        Assert.Contains(name + ".csv", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("issued", result.Stdout, StringComparison.Ordinal);
        Assert.Null(await server.GetPassAsync($"{p}-1"));
    }

    [Fact]
    public async Task A_missing_csv_file_is_a_usage_error()
    {
        var result = await server.RunCliAsync("issue", "--template", ServerFixture.Template, "--csv", _temp.Combine("nope.csv"));

        Expect.Exit(result, 2);
        Assert.Contains("nope.csv' does not exist", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_api_key_is_refused_once_and_nothing_is_issued()
    {
        var p = ServerFixture.UniquePrefix("key");
        var path = WriteCsv("key.csv", $"serialNumber,seat\n{p}-1,1A\n{p}-2,2A\n");

        var result = await CliProcess.RunAsync("issue", "--template", ServerFixture.Template, "--csv", path,
            "--server", server.Settings.BaseUrl, "--api-key", "not-the-right-key-0000000000");

        Expect.Exit(result, 1);
        var errors = result.StderrLines.Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1 && errors[0].Contains("refused the API key", StringComparison.Ordinal) && errors[0].Contains("--api-key", StringComparison.Ordinal),
            $"expected one error saying the key was refused{Environment.NewLine}{result}");
        Assert.Null(await server.GetPassAsync($"{p}-1"));
    }

    [Fact]
    public async Task An_unreachable_server_is_a_clear_error()
    {
        var path = WriteCsv("unreachable.csv", "serialNumber\nU-1\n");

        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        var result = await CliProcess.RunAsync("issue", "--template", ServerFixture.Template, "--csv", path,
            "--server", "http://127.0.0.1:1", "--api-key", ServerSettings.ApiKey);

        Expect.Exit(result, 1);
        Assert.Contains("error: cannot reach the server at http://127.0.0.1:1/", result.Stderr, StringComparison.Ordinal);
    }
}
