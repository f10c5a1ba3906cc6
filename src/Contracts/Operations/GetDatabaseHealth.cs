namespace Contracts.Operations;

/// <summary>Asks a worker whether it can reach the database (the Api holds no connection of its own).</summary>
public sealed record GetDatabaseHealth;
