namespace PassGrains.Packaging.Validation;

public sealed record PassValidationOptions
{
    /// <summary>
    /// Accept an <c>http://</c> webServiceURL. Wallet only talks plain HTTP on a development device
    /// with its developer setting on, so this is off unless asked for.
    /// </summary>
    public bool AllowHttpWebService { get; init; }

    /// <summary>Checking a template, whose serial number each pass supplies: serialNumber may be missing.</summary>
    public bool IsTemplate { get; init; }

    public static readonly PassValidationOptions Default = new();
}
