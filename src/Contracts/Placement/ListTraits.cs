namespace Contracts.Placement;

/// <summary>Lists traits (GET /traits); the filters are optional and combine.</summary>
/// <param name="NameIn">Only these names, exactly as written.</param>
/// <param name="Prefix">Only names that start with this, matched as Placement's SQL LIKE matches: ASCII case ignored,
/// <c>_</c> and <c>%</c> wildcards.</param>
/// <param name="Associated">Only traits that some provider has (true), or that none has (false).</param>
public sealed record ListTraits(IReadOnlyList<string>? NameIn, string? Prefix, bool? Associated);
