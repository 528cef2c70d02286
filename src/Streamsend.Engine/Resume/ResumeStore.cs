using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Streamsend.Engine.Spool;

namespace Streamsend.Engine.Resume;

/// <summary>
/// The folder of resume states: one small JSON file per file a sender started and has not finished, found by topic,
/// bootstrap servers, sender name and full path. Each is written whole or not at all (<see cref="AtomicFile"/>), so a
/// sender killed at any instant leaves the state it saved last.
/// </summary>
public sealed class ResumeStore
{
    /// <summary>The folder's name, beside the -Incremental journal or under <see cref="StateRoot"/>.</summary>
    public const string FolderName = "resume";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    public ResumeStore(string folder) => Folder = Path.GetFullPath(folder);

    public string Folder { get; }

    /// <summary>Where resume states live when no -StatePath is given: beside the default journals, under <see cref="StateRoot"/>.</summary>
    public static string DefaultFolder() => Path.Combine(StateRoot.Default(), FolderName);

    /// <summary>Where resume states live with -StatePath: a <see cref="FolderName"/> folder beside that journal file.</summary>
    public static string FolderBeside(string journalPath) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(journalPath))!, FolderName);

    /// <summary>The state file of one source file sent to one topic of one cluster under one sender name.</summary>
    public string PathOf(ResumeKey key)
    {
        var digest = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key.Canonical)))[..32].ToLowerInvariant();
        var safeTopic = string.Concat(key.Topic.Take(64).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        return Path.Combine(Folder, $"{safeTopic}-{digest}.json");
    }

    /// <summary>
    /// The saved state for <paramref name="key"/>, or null. A state that cannot be read or does not fit (another
    /// format, a damaged file, a name collision) is set aside and named in <paramref name="warning"/>; its file is
    /// then sent as a new transfer.
    /// </summary>
    public ResumeState? Load(ResumeKey key, out string? warning)
    {
        warning = null;
        var path = PathOf(key);
        AtomicFile.RemoveLeftovers(path);
        if (!File.Exists(path))
        {
            return null;
        }
        string problem;
        try
        {
            var state = JsonSerializer.Deserialize<ResumeState>(File.ReadAllBytes(path), Json);
            if (state is null)
            {
                problem = "it is empty";
            }
            else if (state.Format != ResumeState.CurrentFormat)
            {
                problem = $"it has format {state.Format}, this Streamsend reads {ResumeState.CurrentFormat}";
            }
            else if (!key.Matches(state))
            {
                problem = $"it belongs to '{state.FullPath}' sent to '{state.Topic}' by '{state.Sender}'";
            }
            else
            {
                return state;
            }
        }
        catch (JsonException e)
        {
            problem = e.Message;
        }
        var aside = AtomicFile.SetAside(path);
        warning = $"The resume state '{path}' could not be used ({problem}); it was kept as '{aside}' and '{key.FullPath}' is sent as a new transfer.";
        return null;
    }

    public void Save(ResumeState state) =>
        AtomicFile.Write(PathOf(ResumeKey.Of(state)), JsonSerializer.SerializeToUtf8Bytes(state, Json));

    /// <summary>Forgets a transfer: it completed, or it will never be resumed.</summary>
    public void Remove(ResumeKey key)
    {
        var path = PathOf(key);
        // A file sent within its first second never had a state, and its folder may not exist.
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }
}
