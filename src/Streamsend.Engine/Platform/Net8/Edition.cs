namespace Streamsend.Engine.Platform;

/// <summary>What this build of the engine runs on: .NET 8 or later (PowerShell 7.4+).</summary>
internal static class Edition
{
    public const string Name = ".NET";

    /// <summary>Mono runs only the .NET Framework build.</summary>
    public static bool IsMono => false;

    /// <summary>.NET 8 extends long Windows paths by itself.</summary>
    public static bool NeedsExtendedPathPrefix => false;
}
