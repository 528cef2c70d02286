using System.Diagnostics;
using System.Reflection;

namespace Streamsend.PowerShell.Loading;

/// <summary>An assembly already in the session, as far as a conflict check needs it.</summary>
public sealed record LoadedAssembly(string Name, Version Version, string FileVersion, string Location)
{
    /// <summary>Null for dynamic assemblies, which no module ships.</summary>
    public static LoadedAssembly? Of(Assembly assembly)
    {
        if (assembly.IsDynamic)
        {
            return null;
        }
        var name = assembly.GetName();
        var location = assembly.Location;
        var fileVersion = string.IsNullOrEmpty(location) ? "" : FileVersionInfo.GetVersionInfo(location).FileVersion ?? "";
        return new LoadedAssembly(name.Name ?? "", name.Version ?? new Version(0, 0), fileVersion, location);
    }
}
