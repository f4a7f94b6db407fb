using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>PassGrains:Apns checks itself when the server starts (Pushes/ApnsSettings.cs), naming the setting.</summary>
public sealed class ApnsSettingsTests
{
    [Theory]
    [InlineData("PassGrains:Apns:Endpoint", "http://apns.example", "PassGrains:Apns:Endpoint 'http://apns.example' must be an https URL")]
    [InlineData("PassGrains:Apns:MaxConnections", "0", "PassGrains:Apns:MaxConnections must be 1–64 and :RetryDeadline positive")]
    [InlineData("PassGrains:Apns:AlarmRefusals", "0", "PassGrains:Apns:AlarmRefusals must be 1–1000 and :AlarmWindow positive")]
    [InlineData("PassGrains:Apns:AlarmWindow", "00:00:00", "PassGrains:Apns:AlarmRefusals must be 1–1000 and :AlarmWindow positive")]
    [InlineData("PassGrains:Apns:KeyId", "ABC123DEFG", "PassGrains:Apns:KeyId, :TeamId and :KeyPath go together")]
    [InlineData("PassGrains:Apns:TrustedCaPath", "/nonexistent/ca.pem", "PassGrains:Apns:TrustedCaPath '/nonexistent/ca.pem' does not exist")]
    public async Task A_server_with_an_impossible_apns_setting_does_not_start_and_names_it(string setting, string value, string message) =>
        Assert.Contains(message, await TestServer.RefusalOfAsync(setting, value), StringComparison.Ordinal);
}
