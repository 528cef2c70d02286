using System.ComponentModel;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Streamsend.Engine.Platform;

/// <summary>
/// .NET Framework has no DllImportResolver. On Windows the library is loaded by full path with its own folder searched
/// for its dependencies (LOAD_WITH_ALTERED_SEARCH_PATH: the OpenSSL, zlib, zstd and MSVC runtime DLLs shipped beside
/// it, never PATH); every later import of "librdkafka" then binds to that loaded module by name, and Confluent.Kafka's
/// Library.Load(path) sets up its delegates from it.
/// Mono, where the tests run this build on Linux, resolves an import only through the dllmap of the importing
/// assembly's .dll.config file; see docs/architecture.md.
/// </summary>
internal static class LibrdkafkaBinding
{
    private const uint LoadWithAlteredSearchPath = 0x8;
    private const int BadExeFormat = 193;
    private const int ModuleNotFound = 126;

    public static bool IsMusl => false;

    /// <summary>Loads the file; null when it loaded, else why not, in words an operator can act on.</summary>
    public static string? TryLoad(string path)
    {
        if (Edition.IsMono)
        {
            return LoadUnderMono(path);
        }
        var alreadyLoaded = LoadedModulePath("librdkafka.dll");
        if (alreadyLoaded is not null && !string.Equals(Path.GetFullPath(alreadyLoaded), Path.GetFullPath(path), StringComparison.OrdinalIgnoreCase))
        {
            // Imports bind by module name: ours would call into that copy, of whatever version it is.
            throw new InvalidOperationException(
                $"Another module already loaded librdkafka.dll from '{alreadyLoaded}' into this session, and Streamsend needs its own, '{path}'. " +
                "Start a new PowerShell session and import Streamsend before that module, or use PowerShell 7 (pwsh).");
        }
        if (LoadLibraryExW(path, IntPtr.Zero, LoadWithAlteredSearchPath) == IntPtr.Zero)
        {
            var error = Marshal.GetLastWin32Error();
            return error switch
            {
                BadExeFormat => $"Win32 error 193: built for another CPU than this {(Environment.Is64BitProcess ? "64" : "32")}-bit process",
                ModuleNotFound => "Win32 error 126: a DLL it needs is missing; librdkafka.dll needs the files shipped beside it (libcrypto, libssl, libcurl, zlib, zstd, vcruntime140.dll, msvcp140.dll): reinstall the module, or install the Microsoft Visual C++ 2015-2022 Redistributable",
                _ => $"Win32 error {error}: {new Win32Exception(error).Message}",
            };
        }
        Confluent.Kafka.Library.Load(path);
        return null;
    }

    /// <summary>Windows binds imports to the loaded module by name; nothing to route.</summary>
    public static void Route(Assembly assembly, Func<string, bool> isLibrdkafka, Func<string> load)
    {
    }

    private static string? LoadUnderMono(string path)
    {
        try
        {
            // The dllmap names the file; Library.Load() without a path binds Confluent.Kafka's imports through it.
            Confluent.Kafka.Library.Load();
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or InvalidOperationException)
        {
            return $"Mono found no dllmap for 'librdkafka' to '{path}' in Confluent.Kafka.dll.config ({e.Message})";
        }
    }

    private static string? LoadedModulePath(string moduleName)
    {
        var module = GetModuleHandleW(moduleName);
        if (module == IntPtr.Zero)
        {
            return null;
        }
        var path = new System.Text.StringBuilder(32768);
        return GetModuleFileNameW(module, path, path.Capacity) == 0 ? null : path.ToString();
    }

    [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
    private static extern IntPtr GetModuleHandleW(string moduleName);

    [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
    private static extern int GetModuleFileNameW(IntPtr module, System.Text.StringBuilder fileName, int size);

    [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
    private static extern IntPtr LoadLibraryExW(string fileName, IntPtr reservedNull, uint flags);
}
