namespace Streamsend.Engine;

/// <summary>Static members of Math, DateTimeOffset and Random that .NET Core added and .NET Framework 4.7.2 lacks.</summary>
internal static class ValuePolyfills
{
    // Random is not thread-safe; Random.Shared is. One instance per thread gives the same guarantee.
    private static readonly ThreadLocal<Random> RandomPerThread = new(() => new Random(Guid.NewGuid().GetHashCode()));

    extension(Math)
    {
        public static int Clamp(int value, int min, int max) => value < min ? min : value > max ? max : value;

        public static long Clamp(long value, long min, long max) => value < min ? min : value > max ? max : value;

        public static double Clamp(double value, double min, double max) => value < min ? min : value > max ? max : value;
    }

    extension(DateTimeOffset)
    {
        public static DateTimeOffset UnixEpoch => new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
    }

    extension(Random)
    {
        public static Random Shared => RandomPerThread.Value!;
    }
}
