using System.Text.Json;
using AlpineMirror.Storage;

namespace AlpineMirror.InHouse;

/// <summary>The withdrawn versions, kept in <c>.alpinemirror/inhouse/withdrawn.json</c> and rewritten atomically.</summary>
public sealed class WithdrawnPackages
{
    private readonly string _path;
    private readonly List<WithdrawnPackage> _packages;

    private WithdrawnPackages(string path, List<WithdrawnPackage> packages)
    {
        _path = path;
        _packages = packages;
    }

    public IReadOnlyList<WithdrawnPackage> All => _packages;

    /// <exception cref="InHouseException">The file is not a list of withdrawn packages.</exception>
    public static WithdrawnPackages Load(InHouseRepository repository)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var path = Path.Combine(repository.StateDirectory, "withdrawn.json");
        if (!File.Exists(path))
        {
            return new WithdrawnPackages(path, []);
        }

        try
        {
            return new WithdrawnPackages(path, JsonSerializer.Deserialize(File.ReadAllBytes(path), WithdrawnPackagesJsonContext.Default.ListWithdrawnPackage) ?? []);
        }
        catch (JsonException error)
        {
            throw new InHouseException(path, $"expected a JSON list of withdrawn packages: {error.Message}", error);
        }
    }

    public bool Contains(string name, string version) => _packages.Exists(p => p.Name == name && p.Version == version);

    public WithdrawnPackage? Find(string id) => _packages.Find(p => p.Id == id);

    public void Add(WithdrawnPackage package)
    {
        _packages.RemoveAll(p => p.Id == package.Id);
        _packages.Add(package);
        Save();
    }

    public void Remove(WithdrawnPackage package)
    {
        _packages.Remove(package);
        Save();
    }

    private void Save()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        AtomicFile.WriteAllBytes(_path, JsonSerializer.SerializeToUtf8Bytes(_packages, WithdrawnPackagesJsonContext.Default.ListWithdrawnPackage));
    }
}
