namespace Streamsend.Engine.Wire;

/// <summary>How an arriving Kafka message relates to Streamsend.</summary>
public enum MessageClass
{
    /// <summary>Not ours (no Streamsend headers): an ordinary event sharing the topic. Skipped and counted.</summary>
    Foreign,

    /// <summary>Ours and well-formed.</summary>
    Valid,

    /// <summary>Claims to be ours but breaks the format: reported, never obeyed.</summary>
    Malformed,
}
