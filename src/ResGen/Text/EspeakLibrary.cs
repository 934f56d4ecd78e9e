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
    const int InitializePhonemeEvents = 0x1; // report each phoneme to the synthesis callback
    const int InitializePhonemeIpa = 0x2;    // ... by its IPA name
    const int CharsUtf8 = 1;
    const int ParameterRate = 1, ParameterPitch = 3;
    const int EventListTerminated = 0, EventPhoneme = 7;
    // espeak_EVENT on 64-bit Linux: type @0, audio_position @16, sample @20, id (union, char[8]) @32; 40 bytes
    const int EventSize = 40, EventTypeOffset = 0, EventSampleOffset = 20, EventIdOffset = 32;
    /// <summary>The library's output rate (espeak-ng voices speak at 22,050 Hz).</summary>
    public const int SynthesisRate = 22_050;

    [DllImport(Name, EntryPoint = "espeak_Initialize")]
    static extern int Initialize(int output, int bufferMs, IntPtr path, int options);

    [DllImport(Name, EntryPoint = "espeak_SetVoiceByName")]
    static extern int SetVoiceByName([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport(Name, EntryPoint = "espeak_TextToPhonemes")]
    static extern IntPtr TextToPhonemes(ref IntPtr text, int textMode, int phonemeMode);

    [DllImport(Name, EntryPoint = "espeak_Info")]
    static extern IntPtr Info(IntPtr pathData);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    delegate int SynthCallback(IntPtr wave, int samples, IntPtr events);

    [DllImport(Name, EntryPoint = "espeak_SetSynthCallback")]
    static extern void SetSynthCallback(SynthCallback callback);

    [DllImport(Name, EntryPoint = "espeak_SetParameter")]
    static extern int SetParameter(int parameter, int value, int relative);

    [DllImport(Name, EntryPoint = "espeak_Synth")]
    static extern int Synth(IntPtr text, nuint size, uint position, int positionType, uint endPosition, uint flags, IntPtr uniqueIdentifier, IntPtr userData);

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
                rate = Initialize(AudioOutputSynchronous, 0, IntPtr.Zero, InitializeDontExit | InitializePhonemeEvents | InitializePhonemeIpa);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
            {
                throw new UserErrorException($"the espeak-ng library ({Name}) cannot be loaded; install the Debian package espeak-ng (sudo apt-get install espeak-ng).", e);
            }
            if (rate <= 0) throw new UserErrorException($"espeak-ng could not start (code {rate}): its data folder is missing or damaged; reinstall the Debian package espeak-ng-data.");
            if (rate != SynthesisRate) throw new InvalidOperationException($"espeak-ng speaks at {rate} Hz, not the {SynthesisRate} Hz this project reads its events at.");
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
            UseVoice(voiceName);
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

    /// <summary>Selects a voice unless it is the current one (call holding <see cref="Gate"/>).</summary>
    static void UseVoice(string voiceName)
    {
        if (voice == voiceName) return;
        int status = SetVoiceByName(voiceName);
        if (status != 0) throw new UserErrorException($"espeak-ng has no voice '{voiceName}' (status {status}); reinstall the Debian package espeak-ng-data.");
        voice = voiceName;
    }

    /// <summary>
    /// Speaks <paramref name="text"/> with <paramref name="voiceName"/> at <paramref name="rate"/> words per
    /// minute: the audio (<see cref="SynthesisRate"/>, 16-bit) and, in order, each phoneme the library spoke
    /// (its IPA name; "" for a pause) with the sample it starts at.
    /// </summary>
    public static (short[] Samples, List<(string Phoneme, int Sample)> Phonemes) SynthesizeWithPhonemes(string voiceName, string text, int rate = 175)
    {
        Open();
        lock (Gate)
        {
            UseVoice(voiceName);
            var audio = new List<short>();
            var phonemes = new List<(string, int)>();
            SynthCallback callback = (wave, samples, events) =>
            {
                if (wave != IntPtr.Zero && samples > 0)
                {
                    var chunk = new short[samples];
                    Marshal.Copy(wave, chunk, 0, samples);
                    audio.AddRange(chunk);
                }
                for (IntPtr e = events; e != IntPtr.Zero; e += EventSize)
                {
                    int type = Marshal.ReadInt32(e, EventTypeOffset);
                    if (type == EventListTerminated) break;
                    if (type != EventPhoneme) continue;
                    var name = new byte[8];
                    Marshal.Copy(e + EventIdOffset, name, 0, 8);
                    int end = Array.IndexOf(name, (byte)0);
                    phonemes.Add((System.Text.Encoding.UTF8.GetString(name, 0, end < 0 ? 8 : end), Marshal.ReadInt32(e, EventSampleOffset)));
                }
                return 0;
            };
            SetSynthCallback(callback);
            SetParameter(ParameterRate, rate, 0);
            SetParameter(ParameterPitch, 50, 0);
            var bytes = System.Text.Encoding.UTF8.GetBytes(text + "\0");
            IntPtr buffer = Marshal.AllocHGlobal(bytes.Length);
            try
            {
                Marshal.Copy(bytes, 0, buffer, bytes.Length);
                int status = Synth(buffer, (nuint)bytes.Length, 0, 0, 0, CharsUtf8, IntPtr.Zero, IntPtr.Zero);
                if (status != 0) throw new InvalidOperationException($"espeak-ng could not speak '{text}' (status {status}).");
            }
            finally
            {
                Marshal.FreeHGlobal(buffer);
                SetSynthCallback(null!);
                GC.KeepAlive(callback);
            }
            return ([.. audio], phonemes);
        }
    }
}
