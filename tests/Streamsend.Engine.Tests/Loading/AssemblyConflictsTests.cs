using Streamsend.PowerShell.Loading;

namespace Streamsend.Engine.Tests.Loading;

/// <summary>What Windows PowerShell 5.1's import refuses (Streamsend.psm1 calls DependencyResolver, which calls this).</summary>
public sealed class AssemblyConflictsTests
{
    private const string Lib = @"C:\Program Files\WindowsPowerShell\Modules\Streamsend\0.1.0\bin\net472\lib\";

    private static readonly ShippedAssembly[] Shipped =
    {
        new("Confluent.Kafka", new Version(2, 16, 0, 0), "2.16.0", Lib + "Confluent.Kafka.dll"),
        new("AWSSDK.Core", new Version(4, 0, 0, 0), "4.1.0.0", Lib + "AWSSDK.Core.dll"),
        new("System.Memory", new Version(4, 0, 5, 0), "4.6.31308.01", Lib + "System.Memory.dll"),
    };

    [Fact]
    public void Another_modules_AWSSDK_of_the_same_assembly_version_but_another_release_is_a_conflict_naming_both_versions_and_the_way_out()
    {
        var loaded = new LoadedAssembly("AWSSDK.Core", new Version(4, 0, 0, 0), "4.0.100.2", @"C:\Modules\AWS.Tools.Common\AWSSDK.Core.dll");

        var conflicts = AssemblyConflicts.Find(Shipped, new[] { loaded });
        var message = AssemblyConflicts.Describe(conflicts);

        Assert.Equal("AWSSDK.Core", Assert.Single(conflicts).Ours.Name);
        Assert.Contains("AWSSDK.Core", message);
        Assert.Contains("4.0.100.2", message);
        Assert.Contains("4.1.0.0", message);
        Assert.Contains(@"C:\Modules\AWS.Tools.Common\AWSSDK.Core.dll", message);
        Assert.Contains("new PowerShell session", message);
        Assert.Contains("PowerShell 7 (pwsh)", message);
    }

    [Fact]
    public void Any_other_Confluent_Kafka_is_a_conflict_because_librdkafka_is_one_per_process()
    {
        var loaded = new LoadedAssembly("Confluent.Kafka", new Version(1, 9, 3, 0), "1.9.3", @"C:\Modules\PSKafka\Confluent.Kafka.dll");

        var conflict = Assert.Single(AssemblyConflicts.Find(Shipped, new[] { loaded }));

        Assert.Equal("1.9.3", conflict.Theirs.FileVersion);
    }

    [Fact]
    public void Our_own_copies_and_other_assembly_versions_of_other_libraries_load_side_by_side()
    {
        var loaded = new[]
        {
            new LoadedAssembly("Confluent.Kafka", new Version(2, 16, 0, 0), "2.16.0", Lib + "Confluent.Kafka.dll"),
            new LoadedAssembly("System.Memory", new Version(4, 0, 1, 1), "4.6.26515.06", @"C:\Modules\Other\System.Memory.dll"),
            new LoadedAssembly("Newtonsoft.Json", new Version(13, 0, 0, 0), "13.0.1", @"C:\Modules\Other\Newtonsoft.Json.dll"),
        };

        Assert.Empty(AssemblyConflicts.Find(Shipped, loaded));
    }

    [Fact]
    public void The_shipped_assemblies_are_read_from_the_lib_folder_with_their_versions_and_native_files_skipped()
    {
        var folder = Path.GetDirectoryName(typeof(Streamsend.Engine.Kafka.KafkaClients).Assembly.Location)!;

        var shipped = ShippedAssembly.In(folder).ToList();

        var engine = Assert.Single(shipped, a => a.Name == "Streamsend.Engine");
        Assert.Equal(typeof(Streamsend.Engine.Kafka.KafkaClients).Assembly.GetName().Version, engine.Version);
        Assert.Contains(shipped, a => a.Name == "Confluent.Kafka" && a.FileVersion.Length > 0);
    }
}
