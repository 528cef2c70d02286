namespace Streamsend.Engine.Receiving;

/// <summary>How the receiver ends a file that the destination, or a check of it, refused.</summary>
internal static class DestinationRefusal
{
    /// <summary>
    /// Deferred when the destination may accept the file on a later run (it could not be read or written now, or had
    /// no room): its offsets stay held. Rejected otherwise: receiving it again would fail the same way.
    /// </summary>
    public static TransferEnd EndFor(StreamsendException error) =>
        error.Kind is ErrorKind.WriteError or ErrorKind.ReadError or ErrorKind.ResourceUnavailable ? TransferEnd.Deferred : TransferEnd.Rejected;
}
