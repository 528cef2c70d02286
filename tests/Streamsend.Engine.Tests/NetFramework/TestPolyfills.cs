namespace Streamsend.Engine.Tests;

/// <summary>What the tests use of .NET Core that .NET Framework 4.7.2 lacks; the engine's own gaps are in its Platform/NetFramework.</summary>
internal static class TestPolyfills
{
    extension(Directory)
    {
        public static DirectoryInfo CreateTempSubdirectory(string? prefix = null) =>
            Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), (prefix ?? "") + Guid.NewGuid().ToString("N")));
    }

    extension(Array)
    {
        public static void Clear(Array array) => Array.Clear(array, 0, array.Length);
    }

    extension(TimeSpan)
    {
        public static TimeSpan operator *(TimeSpan timeSpan, double factor) => TimeSpan.FromTicks((long)Math.Round(timeSpan.Ticks * factor));
    }

    public static Dictionary<TKey, TValue> ToDictionary<TKey, TValue>(this IEnumerable<KeyValuePair<TKey, TValue>> pairs) where TKey : notnull =>
        pairs.ToDictionary(pair => pair.Key, pair => pair.Value);
}
