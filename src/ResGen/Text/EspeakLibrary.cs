using System.Runtime.InteropServices;

namespace ResGen.Text;

/// <summary>
/// The few functions of libespeak-ng (Debian: espeak-ng / libespeak-ng1) the phonemizer calls. The
/// library keeps global state and is not thread-safe: every call goes through <see cref="Gate"/>.
/// </summary>
internal static class EspeakLibrary
{
    const string Name = "libespeak-ng.so.1";

    /// <summary>Held around every call into the library.</summary>
    public static readonly Lock Gate = new();

    const int AudioOutputSynchronous = 2;
    const int InitializeDontExit = 0x8000; // return an error code instead of calling exit()
    const int CharsUtf8 = 1;

    [DllImport(Name, EntryPoint = "espeak_Initialize")]
    static extern int Initialize(int output, int bufferMs, IntPtr path, int options);

    [DllImport(Name, EntryPoint = "espeak_SetVoiceByName")]
    static extern int SetVoiceByName([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport(Name, EntryPoint = "espeak_TextToPhonemes")]
    static extern IntPtr TextToPhonemes(ref IntPtr text, int textMode, int phonemeMode);

    [DllImport(Name, EntryPoint = "espeak_Info")]
    static extern IntPtr Info(IntPtr pathData);

    static string? version;
    static string? voice;

    /// <summary>Loads and initialises the library once; returns its version. Missing library or data: one sentence.</summary>
    public static string Open()
    {
        lock (Gate)
        {
            if (version is not null) return version;
            int rate;
            try
            {
                rate = Initialize(AudioOutputSynchronous, 0, IntPtr.Zero, InitializeDontExit);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
            {
                throw new UserErrorException($"the espeak-ng library ({Name}) cannot be loaded; install the Debian package espeak-ng (sudo apt-get install espeak-ng).", e);
            }
            if (rate <= 0) throw new UserErrorException($"espeak-ng could not start (code {rate}): its data folder is missing or damaged; reinstall the Debian package espeak-ng-data.");
            version = Marshal.PtrToStringUTF8(Info(IntPtr.Zero)) ?? "unknown";
            return version;
        }
    }

    /// <summary>
    /// Phonemes of <paramref name="text"/> in the language of <paramref name="voiceName"/>, one string per
    /// clause the library found, phonemes separated by <paramref name="separator"/> and words by spaces.
    /// </summary>
    public static List<string> Phonemize(string voiceName, string text, bool ipa, char separator)
    {
        Open();
        lock (Gate)
        {
            if (voice != voiceName)
            {
                int status = SetVoiceByName(voiceName);
                if (status != 0) throw new UserErrorException($"espeak-ng has no voice '{voiceName}' (status {status}); reinstall the Debian package espeak-ng-data.");
                voice = voiceName;
            }
            int mode = (ipa ? 2 : 0) | (separator << 8);
            var clauses = new List<string>();
            IntPtr start = Marshal.StringToCoTaskMemUTF8(text);
            try
            {
                IntPtr cursor = start;
                while (cursor != IntPtr.Zero)
                {
                    IntPtr result = TextToPhonemes(ref cursor, CharsUtf8, mode);
                    if (result != IntPtr.Zero && Marshal.PtrToStringUTF8(result) is { Length: > 0 } clause) clauses.Add(clause);
                }
            }
            finally
            {
                Marshal.FreeCoTaskMem(start);
            }
            return clauses;
        }
    }
}
