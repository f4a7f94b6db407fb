using PassGrains.Cli.Tests.Infrastructure;

namespace PassGrains.Cli.Tests;

/// <summary><c>passgrains group set</c>: a group's change reaches every pass of the group.</summary>
[Collection(RunningServer.Name)]
public sealed class GroupSetTests(ServerFixture server)
{
    [Fact]
    public async Task Group_set_creates_then_changes_a_group_and_its_passes_render_the_new_value()
    {
        var group = ServerFixture.UniquePrefix("grp");
        var serial = group + "-pass";

        var created = await server.RunCliAsync("group", "set", "--group", group, "--template", ServerFixture.Template, "--field", "gate=A1");
        Expect.Exit(created, 0);
        Assert.Equal([$"group {group} created: version 1"], created.StdoutLines);

        await server.IssueAsync(new { templateId = ServerFixture.Template, serialNumber = serial, groupId = group });
        Assert.Equal("A1", ServerFixture.FieldValue(await server.DownloadPassJsonAsync(serial), "gate"));
        var before = (await server.GetPassAsync(serial))!["lastUpdated"]!.GetValue<string>();

        var changed = await server.RunCliAsync("group", "set", "--group", group, "--field", "gate=B2");
        Expect.Exit(changed, 0);
        Assert.Equal([$"group {group} changed: version 2"], changed.StdoutLines);

        Assert.Equal("B2", ServerFixture.FieldValue(await server.DownloadPassJsonAsync(serial), "gate"));
        Assert.NotEqual(before, (await server.GetPassAsync(serial))!["lastUpdated"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_change_the_template_refuses_names_the_field_and_changes_nothing()
    {
        var group = ServerFixture.UniquePrefix("grp");
        Expect.Exit(await server.RunCliAsync("group", "set", "--group", group, "--template", ServerFixture.Template, "--field", "gate=A1"), 0);

        var refused = await server.RunCliAsync("group", "set", "--group", group, "--field", "gaet=B2");

        Expect.Exit(refused, 1);
        Assert.Contains("error: the server refused the request (400", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("gaet", refused.Stderr, StringComparison.Ordinal);
        var next = await server.RunCliAsync("group", "set", "--group", group, "--field", "gate=C3");
        Assert.Equal([$"group {group} changed: version 2"], next.StdoutLines);
    }

    [Fact]
    public async Task A_new_group_without_a_template_is_refused_by_the_server()
    {
        var result = await server.RunCliAsync("group", "set", "--group", ServerFixture.UniquePrefix("grp"), "--field", "gate=A1");

        Expect.Exit(result, 1);
        Assert.Contains("templateId", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nothing_to_set_is_a_usage_error()
    {
        var result = await server.RunCliAsync("group", "set", "--group", "g");

        Expect.Exit(result, 2);
        Assert.Contains("--field", result.Stderr, StringComparison.Ordinal);
    }
}
