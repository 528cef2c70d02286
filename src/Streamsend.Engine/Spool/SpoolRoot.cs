namespace Streamsend.Engine.Spool;

/// <summary>A path the user named (a folder or a file) and the base its relative paths are computed from (null: the folder itself).</summary>
public sealed record SpoolRoot(string FullPath, string? BasePath);
