using System.Diagnostics;
using System.Reflection;

namespace Streamsend.PowerShell.Loading;

/// <summary>A managed assembly in the module's lib folder: its name, assembly version and file version.</summary>
public sealed record ShippedAssembly(string Name, Version Version, string FileVersion, string Path)
{
    public static IEnumerable<ShippedAssembly> In(string directory)
    {
        foreach (var path in Directory.EnumerateFiles(directory, "*.dll"))
        {
            AssemblyName name;
            try
            {
                name = AssemblyName.GetAssemblyName(path);
            }
            catch (BadImageFormatException)
            {
                continue; // a native DLL
            }
            yield return new ShippedAssembly(name.Name!, name.Version ?? new Version(0, 0), FileVersionInfo.GetVersionInfo(path).FileVersion ?? "", path);
        }
    }
}
