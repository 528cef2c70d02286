using System.Runtime.InteropServices;

namespace Streamsend.Engine.Platform;

/// <summary>What this build of the engine runs on: .NET Framework 4.7.2+ (Windows PowerShell 5.1), or Mono for the tests.</summary>
internal static class Edition
{
    public const string Name = ".NET Framework";

    /// <summary>Mono, where the engine's .NET Framework build is tested on Linux.</summary>
    public static bool IsMono { get; } = Type.GetType("Mono.Runtime") is not null;

    /// <summary>See <see cref="LongPaths"/>.</summary>
    public static bool NeedsExtendedPathPrefix { get; } = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
}
