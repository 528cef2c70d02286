using System.Runtime.InteropServices;

namespace Streamsend.Engine;

/// <summary>OperatingSystem.IsWindows() and friends (.NET 5+), from RuntimeInformation, which .NET Framework 4.7.1+ has.</summary>
internal static class OperatingSystemPolyfills
{
    extension(OperatingSystem)
    {
        public static bool IsWindows() => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        public static bool IsMacOS() => RuntimeInformation.IsOSPlatform(OSPlatform.OSX);

        public static bool IsLinux() => RuntimeInformation.IsOSPlatform(OSPlatform.Linux);
    }
}
