using System.Management.Automation;
using Streamsend.Engine.Kafka;

namespace Streamsend.PowerShell.Commands;

/// <summary>Shows a topic as Streamsend sees it: partitions, brokers, replication, message size limit, chunk size, watermarks.</summary>
[Cmdlet(VerbsCommon.Get, "StreamTopicInfo")]
[OutputType(typeof(StreamTopicInfo))]
public sealed class GetStreamTopicInfoCommand : KafkaCommandBase
{
    /// <summary>The topic to describe.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Topic { get; set; } = "";

    /// <summary>Seconds to wait for DescribeConfigs before assuming Kafka's default message size limit.</summary>
    [Parameter]
    [ValidateRange(1, 300)]
    public int SizeLimitTimeoutSeconds { get; set; } = 10;

    protected override void ProcessRecord()
    {
        var settings = ResolveKafkaSettings();
        var info = RunEngine(
            $"Reading topic '{Topic}'",
            token => TopicInspector.DescribeAsync(settings, Topic, EngineEvents, TimeSpan.FromSeconds(SizeLimitTimeoutSeconds), null, token));
        WriteObject(info);
    }
}
