// Reads and edits the symbol-version requirements (.gnu.version_r) of an ELF64 shared library.
//
// Why: TorchSharp's libLibTorchSharp.so is linked against a libstdc++ that defines GLIBCXX_3.4.32,
// and asks for that version for a single symbol (std::ios_base_library_init), a link-time marker
// that is never called. Debian 12's libstdc++ stops at GLIBCXX_3.4.30, so the dynamic loader
// refuses the library and every TorchSharp call fails. A version requirement flagged
// VER_FLG_WEAK is only a warning for the loader, so marking that one entry weak in the copy the
// build puts in its output folder makes the library load; nothing else changes.
//
// This file is compiled twice: into the ResGen library (so `resgen doctor` and the tests can read
// the flags) and, by MSBuild's RoslynCodeTaskFactory, into the build task that patches the output
// (build/TorchSharpNative.targets). The task class is excluded from the library by RESGEN_LIBRARY.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace ResGen.Runtime
{
    /// <summary>One (library, version) requirement found in .gnu.version_r.</summary>
    public sealed class ElfVersionNeed
    {
        public ElfVersionNeed(string file, string version, ushort flags, long flagsOffset)
        {
            File = file; Version = version; Flags = flags; FlagsOffset = flagsOffset;
        }
        /// <summary>The library the version is asked of, e.g. libstdc++.so.6.</summary>
        public string File { get; }
        /// <summary>The version name, e.g. GLIBCXX_3.4.32.</summary>
        public string Version { get; }
        /// <summary>vna_flags of the entry.</summary>
        public ushort Flags { get; }
        /// <summary>Byte offset of vna_flags in the file.</summary>
        public long FlagsOffset { get; }
        public bool IsWeak => (Flags & ElfVersionNeeds.VerFlagWeak) != 0;
        public override string ToString() => $"{File}:{Version}{(IsWeak ? " (weak)" : "")}";
    }

    public static class ElfVersionNeeds
    {
        public const ushort VerFlagWeak = 0x2;
        const uint ShtGnuVerdef = 0x6ffffffd;
        const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>Every version requirement of an ELF64 little-endian file.</summary>
        public static List<ElfVersionNeed> Read(byte[] elf)
        {
            var result = new List<ElfVersionNeed>();
            var (sections, _) = Sections(elf);
            foreach (var s in sections)
            {
                if (s.Type != ShtGnuVerneed) continue;
                var strtab = sections[checked((int)s.Link)];
                long vn = s.Offset;
                for (uint n = 0; n < s.Info; n++)
                {
                    Need(elf, vn + 16);
                    ushort cnt = U16(elf, vn + 2);
                    string file = Str(elf, strtab, U32(elf, vn + 4));
                    long aux = vn + U32(elf, vn + 8);
                    for (int a = 0; a < cnt; a++)
                    {
                        Need(elf, aux + 16);
                        ushort flags = U16(elf, aux + 4);
                        string name = Str(elf, strtab, U32(elf, aux + 8));
                        result.Add(new ElfVersionNeed(file, name, flags, aux + 4));
                        uint next = U32(elf, aux + 12);
                        if (next == 0) break;
                        aux += next;
                    }
                    uint vnNext = U32(elf, vn + 12);
                    if (vnNext == 0) break;
                    vn += vnNext;
                }
            }
            return result;
        }

        /// <summary>Every version an ELF64 library defines (.gnu.version_d), e.g. GLIBCXX_3.4.30.</summary>
        public static HashSet<string> ReadDefinitions(byte[] elf)
        {
            var result = new HashSet<string>(StringComparer.Ordinal);
            var (sections, _) = Sections(elf);
            foreach (var s in sections)
            {
                if (s.Type != ShtGnuVerdef) continue;
                var strtab = sections[checked((int)s.Link)];
                long vd = s.Offset;
                for (uint n = 0; n < s.Info; n++)
                {
                    Need(elf, vd + 20);
                    ushort cnt = U16(elf, vd + 6);
                    long aux = vd + U32(elf, vd + 12);
                    if (cnt > 0)
                    {
                        Need(elf, aux + 8);
                        result.Add(Str(elf, strtab, U32(elf, aux)));
                    }
                    uint next = U32(elf, vd + 16);
                    if (next == 0) break;
                    vd += next;
                }
            }
            return result;
        }

        /// <summary>
        /// Sets VER_FLG_WEAK on every requirement of <paramref name="version"/> in the file.
        /// Idempotent. Writes through a temporary file and a rename, so a hard link into a package
        /// cache is never modified and a crash never leaves a half-written library.
        /// Returns the number of entries changed (0 when already weak or not required).
        /// </summary>
        public static int MakeWeak(string path, string version)
        {
            var edits = new List<ElfVersionNeed>();
            foreach (var need in Read(File.ReadAllBytes(path)))
                if (need.Version == version && !need.IsWeak) edits.Add(need);
            if (edits.Count == 0) return 0;
            // Copy (keeps the file mode), edit the copy in place, then rename it over the original.
            string tmp = path + ".weak-tmp";
            File.Copy(path, tmp, true);
            using (var f = new FileStream(tmp, FileMode.Open, FileAccess.Write))
                foreach (var need in edits)
                {
                    ushort flags = (ushort)(need.Flags | VerFlagWeak);
                    f.Position = need.FlagsOffset;
                    f.WriteByte((byte)(flags & 0xff));
                    f.WriteByte((byte)(flags >> 8));
                }
            File.Replace(tmp, path, null);
            return edits.Count;
        }

        /// <summary>The libstdc++ the dynamic loader would pick on this machine, or null.</summary>
        public static string? FindSystemLibrary(string soname)
        {
            string[] dirs =
            {
                "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                "/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib",
            };
            var ld = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
            var search = new List<string>();
            if (!string.IsNullOrEmpty(ld)) search.AddRange(ld.Split(new[] { ':' }, StringSplitOptions.RemoveEmptyEntries));
            search.AddRange(dirs);
            foreach (var d in search)
            {
                var p = Path.Combine(d, soname);
                if (File.Exists(p)) return p;
            }
            return null;
        }

        /// <summary>True when the system's copy of <paramref name="soname"/> defines <paramref name="version"/>.</summary>
        public static bool SystemProvides(string soname, string version)
        {
            var lib = FindSystemLibrary(soname);
            if (lib == null) return false;
            try { return ReadDefinitions(File.ReadAllBytes(lib)).Contains(version); }
            catch (InvalidDataException) { return false; }
        }

        readonly struct Section
        {
            public Section(uint type, long offset, long size, uint link, uint info)
            { Type = type; Offset = offset; Size = size; Link = link; Info = info; }
            public uint Type { get; }
            public long Offset { get; }
            public long Size { get; }
            public uint Link { get; }
            public uint Info { get; }
        }

        static (List<Section>, int) Sections(byte[] elf)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("only 64-bit little-endian ELF files are supported");
            long shoff = (long)U64(elf, 0x28);
            int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C), shstrndx = U16(elf, 0x3E);
            if (shoff == 0 || shnum == 0) throw new InvalidDataException("ELF file has no section headers");
            if (shentsize < 64) throw new InvalidDataException($"unexpected section header size {shentsize}");
            Need(elf, shoff + (long)shnum * shentsize);
            var list = new List<Section>(shnum);
            for (int i = 0; i < shnum; i++)
            {
                long h = shoff + (long)i * shentsize;
                var s = new Section(U32(elf, h + 4), (long)U64(elf, h + 24), (long)U64(elf, h + 32), U32(elf, h + 40), U32(elf, h + 44));
                list.Add(s);
            }
            foreach (var s in list)
                if (s.Type == ShtGnuVerneed || s.Type == ShtGnuVerdef)
                {
                    Need(elf, s.Offset + s.Size);
                    if (s.Link >= list.Count) throw new InvalidDataException("version section links to a missing string table");
                }
            return (list, shstrndx);
        }

        static void Need(byte[] elf, long end)
        {
            if (end < 0 || end > elf.Length) throw new InvalidDataException("ELF file is truncated");
        }

        static string Str(byte[] elf, Section strtab, uint offset)
        {
            long start = strtab.Offset + offset;
            Need(elf, start + 1);
            long end = start;
            while (end < elf.Length && elf[end] != 0) end++;
            return Encoding.ASCII.GetString(elf, (int)start, (int)(end - start));
        }

        static ushort U16(byte[] b, long o) { Need(b, o + 2); return (ushort)(b[o] | b[o + 1] << 8); }
        static uint U32(byte[] b, long o) { Need(b, o + 4); return BitConverter.ToUInt32(b, (int)o); }
        static ulong U64(byte[] b, long o) { Need(b, o + 8); return BitConverter.ToUInt64(b, (int)o); }
    }
}

#if !RESGEN_LIBRARY
/// <summary>
/// MSBuild task: marks the listed version requirements weak in the given libraries, unless the
/// system library already defines them (then the library loads as it is, and nothing is touched).
/// </summary>
public class WeakenElfVersionNeeds : Microsoft.Build.Utilities.Task
{
    [Microsoft.Build.Framework.Required]
    public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

    /// <summary>Semicolon-separated "soname:version" pairs, e.g. libstdc++.so.6:GLIBCXX_3.4.32.</summary>
    [Microsoft.Build.Framework.Required]
    public string Versions { get; set; } = "";

    public override bool Execute()
    {
        foreach (var pair in Versions.Split(new[] { ';' }, StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Trim().Split(':');
            if (parts.Length != 2) { Log.LogError($"expected soname:version, got '{pair}'"); return false; }
            string soname = parts[0], version = parts[1];
            if (ResGen.Runtime.ElfVersionNeeds.SystemProvides(soname, version))
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, $"{soname} provides {version}; nothing to patch");
                continue;
            }
            foreach (var item in Files)
            {
                var path = item.ItemSpec;
                if (!System.IO.File.Exists(path)) continue;
                try
                {
                    int n = ResGen.Runtime.ElfVersionNeeds.MakeWeak(path, version);
                    if (n > 0) Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, $"marked {version} weak in {path}");
                }
                catch (System.IO.InvalidDataException e)
                {
                    Log.LogError($"cannot patch {path}: {e.Message}");
                    return false;
                }
            }
        }
        return !Log.HasLoggedErrors;
    }
}
#endif
