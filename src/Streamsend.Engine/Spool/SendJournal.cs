using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Streamsend.Engine.Spool;

/// <summary>One file the journal remembers as sent.</summary>
public sealed record JournalEntry(string RelativePath, long Length, DateTime LastWriteUtc, string Md5, Guid TransferId, DateTime SentUtc);

/// <summary>
/// What -Incremental remembers between runs: for each relative path, the length, last write time and MD5 that were
/// sent, and the transfer id. Saved through <see cref="AtomicFile"/>, so a crash mid-save
/// leaves the previous journal intact (at worst a file sent just before the crash is sent again).
/// </summary>
public sealed class SendJournal
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private readonly object gate = new();
    private readonly Dictionary<string, JournalEntry> entries;
    private bool dirty;

    private SendJournal(string path, Dictionary<string, JournalEntry> entries)
    {
        Path = path;
        this.entries = entries;
    }

    public string Path { get; }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return entries.Count;
            }
        }
    }

    /// <summary>The default journal for a topic and a folder: under <see cref="StateRoot"/>, one file per pair.</summary>
    public static string DefaultPath(string topic, string folder) => DefaultPath(topic, folder, StateRoot.Default());

    internal static string DefaultPath(string topic, string folder, string stateRoot)
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{topic}\n{System.IO.Path.GetFullPath(folder)}")))[..16].ToLowerInvariant();
        var safeTopic = string.Concat(topic.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        return System.IO.Path.Combine(stateRoot, "journals", $"{safeTopic}-{key}.json");
    }

    /// <summary>Opens the journal at <paramref name="path"/>, or an empty one. An unreadable journal is set aside (its files are sent again) and named in <paramref name="warning"/>.</summary>
    public static SendJournal Open(string path, out string? warning)
    {
        warning = null;
        var entries = new Dictionary<string, JournalEntry>(StringComparer.Ordinal);
        if (File.Exists(path))
        {
            try
            {
                var loaded = JsonSerializer.Deserialize<List<JournalEntry>>(File.ReadAllBytes(path), Json) ?? new List<JournalEntry>();
                foreach (var entry in loaded)
                {
                    entries[entry.RelativePath] = entry;
                }
            }
            catch (JsonException e)
            {
                var aside = AtomicFile.SetAside(path);
                warning = $"The journal '{path}' could not be read ({e.Message}); it was kept as '{aside}' and files are treated as new.";
            }
        }
        return new SendJournal(path, entries);
    }

    public JournalEntry? Find(string relativePath)
    {
        lock (gate)
        {
            return entries.GetValueOrDefault(relativePath);
        }
    }

    public void Record(JournalEntry entry)
    {
        lock (gate)
        {
            entries[entry.RelativePath] = entry;
            dirty = true;
        }
    }

    /// <summary>Writes the journal if it changed: a temporary file beside it, flushed to disk, then renamed over it.</summary>
    public void Save()
    {
        byte[] bytes;
        lock (gate)
        {
            if (!dirty)
            {
                return;
            }
            bytes = JsonSerializer.SerializeToUtf8Bytes(entries.Values.OrderBy(e => e.RelativePath, StringComparer.Ordinal).ToList(), Json);
            dirty = false;
        }
        try
        {
            AtomicFile.Write(Path, bytes);
        }
        catch
        {
            lock (gate)
            {
                dirty = true;
            }
            throw;
        }
    }
}
