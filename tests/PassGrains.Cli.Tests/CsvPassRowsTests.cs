using System.Text;
using PassGrains.Cli.Issuing;
using PassGrains.Cli.Tests.Infrastructure;

namespace PassGrains.Cli.Tests;

/// <summary>Reading issue CSVs (RFC 4180) into rows, in process: quoting, line numbers, empty cells, the BOM.</summary>
public sealed class CsvPassRowsTests : IDisposable
{
    private readonly TempDirectory _temp = new("csv");

    public void Dispose() => _temp.Dispose();

    private string Write(string content, bool bom = false)
    {
        var path = _temp.Combine($"{Guid.NewGuid():N}.csv");
        File.WriteAllBytes(path, [.. (bom ? Encoding.UTF8.GetPreamble() : []), .. Encoding.UTF8.GetBytes(content)]);
        return path;
    }

    [Fact]
    public void Quoted_fields_keep_commas_line_breaks_and_doubled_quotes_and_report_their_first_line()
    {
        var rows = CsvPassRows.Open(Write("serialNumber,groupId,seat,passenger\r\nA-1,,1A,\"Doe, Jane\"\r\nA-2,g,\"2\r\nB\",\"say \"\"hi\"\"\"\r\n\r\nA-3,,3C,plain\r\n", bom: true));

        Assert.Equal(["serialNumber", "groupId", "seat", "passenger"], rows.Header);
        Assert.Equal(3, rows.Count);
        var read = rows.Read().ToList();
        Assert.Equal([2L, 3L, 6L], read.Select(r => r.Line));
        Assert.Equal(["A-1", "A-2", "A-3"], read.Select(r => r.SerialNumber));
        Assert.Equal([null, "g", null], read.Select(r => r.GroupId));
        Assert.Equal([new("seat", "1A"), new("passenger", "Doe, Jane")], read[0].Fields);
        Assert.Equal([new("seat", "2\r\nB"), new("passenger", "say \"hi\"")], read[1].Fields);
    }

    [Fact]
    public void Empty_and_missing_cells_leave_fields_out_and_serial_and_group_to_the_server_and_the_option()
    {
        var read = CsvPassRows.Open(Write("serialNumber,groupId,seat,passenger\n,,,\nA-2,,2B\n")).Read().ToList();

        Assert.Null(read[0].SerialNumber);
        Assert.Empty(read[0].Fields);
        var body = read[1].ToIssueBody("boarding", "default-group");
        Assert.Equal("""{"templateId":"boarding","serialNumber":"A-2","groupId":"default-group","fields":{"seat":"2B"}}""", body.ToJsonString());
        Assert.Equal("""{"templateId":"boarding"}""", read[0].ToIssueBody("boarding", null).ToJsonString());
    }

    [Fact]
    public void Rows_that_repeat_an_earlier_serial_are_known_before_sending()
    {
        var rows = CsvPassRows.Open(Write("serialNumber\nA\nB\nA\n\nB\nC\nA\n"));

        Assert.Equal([4L, 6L, 8L], rows.RepeatedSerialLines.Order());
    }

    [Theory]
    [InlineData("serialNumber, \nA,1\n", "line 1: column 2 of the header has no name")]
    [InlineData("\n\nserialNumber,seat,serialNumber\nA,1,A\n", "line 3: the header names 'serialNumber' twice (columns 1 and 3)")]
    [InlineData("serialNumber\nA\nB,1\n", "line 3: the row has 2 cells but the header has 1 columns")]
    [InlineData("serialNumber,seat\nA,\"1\"x\n", "line 2:")]
    public void Broken_files_name_the_line(string content, string message)
    {
        var e = Assert.Throws<CsvInputException>(() => CsvPassRows.Open(Write(content)));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
