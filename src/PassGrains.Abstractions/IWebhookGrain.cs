namespace PassGrains.Abstractions;

/// <summary>One per pass type (key = pass type identifier): hands that pass type's lifecycle events to its webhooks.</summary>
public interface IWebhookGrain : IGrainWithStringKey;
