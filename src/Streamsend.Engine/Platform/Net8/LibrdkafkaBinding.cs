using System.Reflection;
using System.Runtime.InteropServices;

namespace Streamsend.Engine.Platform;

/// <summary>
/// .NET 8: the library is loaded by path, and every "librdkafka" import of the routed assemblies resolves to it
/// through a DllImportResolver, whatever file name the import asks for.
/// </summary>
internal static class LibrdkafkaBinding
{
    private static IntPtr handle;

    public static bool IsMusl => RuntimeInformation.RuntimeIdentifier.Contains("musl", StringComparison.OrdinalIgnoreCase);

    /// <summary>Loads the file; null when it loaded, else why not.</summary>
    public static string? TryLoad(string path)
    {
        try
        {
            handle = NativeLibrary.Load(path);
            return null;
        }
        catch (DllNotFoundException e)
        {
            return e.Message;
        }
        catch (BadImageFormatException)
        {
            return $"built for another CPU than this {RuntimeInformation.ProcessArchitecture} process";
        }
    }

    public static void Route(Assembly assembly, Func<string, bool> isLibrdkafka, Func<string> load) =>
        NativeLibrary.SetDllImportResolver(assembly, (name, _, _) =>
        {
            if (!isLibrdkafka(name))
            {
                return IntPtr.Zero;
            }
            load();
            return handle;
        });
}
