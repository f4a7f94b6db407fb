namespace PassGrains.Packaging.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Apple_WWDR_G4_is_shipped()
    {
        Assert.Equal("13DC77955271E53DC632E8CCFFE521F3CCC5CED2", Signing.PassCertificateInfo.From(Signing.AppleWwdr.G4).SerialNumber);
    }
}
