using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace PassGrains.Server.Configuration;

/// <summary>
/// Options that check themselves (<see cref="IValidatableObject"/>) and say what is wrong in their own words: each message
/// names the setting, as an operator writes it, without the "DataAnnotation validation failed for …" preamble.
/// </summary>
public sealed class SettingsValidation<T> : IValidateOptions<T> where T : class, IValidatableObject
{
    public ValidateOptionsResult Validate(string? name, T options) =>
        Settings.Problems(options) is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
}

public static class Settings
{
    /// <summary>Every problem of <paramref name="options"/>, each in its own words.</summary>
    public static List<string> Problems(IValidatableObject options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage ?? "invalid").ToList();
    }

    /// <summary>Binds <typeparamref name="T"/> to <paramref name="section"/> and checks it when the host starts, before any hosted service.</summary>
    public static OptionsBuilder<T> AddSettings<T>(this IHostApplicationBuilder builder, string section) where T : class, IValidatableObject
    {
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>, SettingsValidation<T>>());
        return builder.Services.AddOptions<T>().Bind(builder.Configuration.GetSection(section)).ValidateOnStart();
    }

    /// <summary>
    /// <see cref="AddSettings{T}"/>, and the same checks now, for settings the build itself needs (where data lives, which
    /// silo to build, what to sign with): a wrong one stops <c>Build</c> with the setting's name, before anything is written.
    /// </summary>
    public static T AddSettingsNow<T>(this IHostApplicationBuilder builder, string section) where T : class, IValidatableObject, new()
    {
        builder.AddSettings<T>(section);
        var value = builder.Configuration.GetSection(section).Get<T>() ?? new T();
        if (Problems(value) is { Count: > 0 } problems)
            throw new OptionsValidationException(section, typeof(T), problems);
        return value;
    }
}
