namespace AlpineMirror.InHouse;

/// <summary>A package file in the drop folder, and the arch of the folder it sits in (null at the top).</summary>
public sealed record DroppedFile(string Path, string? FolderArch);
