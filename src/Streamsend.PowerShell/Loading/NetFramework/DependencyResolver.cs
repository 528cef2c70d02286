using System.Reflection;

namespace Streamsend.PowerShell.Loading;

/// <summary>
/// Windows PowerShell 5.1 (.NET Framework) has no load contexts: one AppDomain holds every module's assemblies. The
/// engine and its dependencies stay in the module's lib folder, out of .NET's probing path, and an AssemblyResolve
/// handler loads them from there when the binder cannot find them.
/// </summary>
/// <remarks>
/// The handler answers only for the assemblies shipped in lib, and only with a file at least as new as the version
/// asked for, so a failed load by another module is never handed our copy of a library it did not ask us for.
/// A dependency another module already loaded is the one .NET hands us too, whatever the version: Register first
/// checks for that (<see cref="AssemblyConflicts"/>) and refuses to import with the way out.
/// Static because what it registers is process-wide: the AppDomain's AssemblyResolve event.
/// </remarks>
public static class DependencyResolver
{
    private static readonly object RegistrationLock = new();
    private static string? registeredDirectory;
    private static Dictionary<string, ShippedAssembly>? shipped;

    /// <summary>Call before anything touches an engine type. Importing the module again is a no-op.</summary>
    /// <exception cref="InvalidOperationException">Another module loaded a version of a dependency that Streamsend cannot use.</exception>
    public static void Register(string libDirectory)
    {
        var fullPath = Path.GetFullPath(libDirectory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        if (!Directory.Exists(fullPath))
        {
            throw new DirectoryNotFoundException($"Streamsend's dependency folder '{fullPath}' does not exist. Reinstall the module, or rebuild with 'dotnet pwsh ./build.ps1 Build'.");
        }
        lock (RegistrationLock)
        {
            if (registeredDirectory is not null)
            {
                if (!string.Equals(registeredDirectory, fullPath, StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidOperationException(
                        $"Streamsend is already loaded in this session from '{registeredDirectory}'; it cannot also be loaded from '{fullPath}'. Start a new PowerShell session.");
                }
                return;
            }
            var inFolder = ShippedAssembly.In(fullPath).ToDictionary(a => a.Name, StringComparer.OrdinalIgnoreCase);
            var conflicts = AssemblyConflicts.Find(inFolder.Values, AppDomain.CurrentDomain.GetAssemblies().Select(LoadedAssembly.Of).OfType<LoadedAssembly>());
            if (conflicts.Count > 0)
            {
                throw new InvalidOperationException(AssemblyConflicts.Describe(conflicts));
            }
            shipped = inFolder;
            registeredDirectory = fullPath;
            AppDomain.CurrentDomain.AssemblyResolve += Resolve;
        }
    }

    private static Assembly? Resolve(object? sender, ResolveEventArgs args)
    {
        var wanted = new AssemblyName(args.Name);
        if (shipped is null || wanted.Name is null || !shipped.TryGetValue(wanted.Name, out var candidate))
        {
            return null;
        }
        if (wanted.Version is not null && candidate.Version < wanted.Version)
        {
            return null;
        }
        return Assembly.LoadFrom(candidate.Path);
    }
}
