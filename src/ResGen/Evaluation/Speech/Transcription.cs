namespace ResGen.Evaluation.Speech;

/// <summary>What <see cref="SpeechRecognizer.Transcribe"/> recognized, and how fast.</summary>
/// <param name="Texts">One hypothesis per input file, in input order: lower-case words separated by single spaces ("" when nothing was recognized).</param>
/// <param name="AudioSeconds">Total duration of the input audio.</param>
/// <param name="WallSeconds">Wall-clock time of the whole call (audio conversion, model loading and decoding in every process).</param>
/// <param name="DecoderCpuSeconds">CPU time the decoders report for decoding, summed over processes (model loading excluded); unlike the wall time it barely depends on what else the machine runs.</param>
/// <param name="Processes">Number of recognizer processes that ran side by side.</param>
public sealed record Transcription(IReadOnlyList<string> Texts, double AudioSeconds, double WallSeconds, double DecoderCpuSeconds, int Processes)
{
    /// <summary>Seconds of audio recognized per wall-clock second (higher is faster).</summary>
    public double AudioSecondsPerSecond => WallSeconds > 0 ? AudioSeconds / WallSeconds : 0;

    /// <summary>The real-time factor, wall-clock seconds per second of audio (xRT; lower is faster).</summary>
    public double RealTimeFactor => AudioSeconds > 0 ? WallSeconds / AudioSeconds : 0;

    /// <summary>Decoder CPU seconds per second of audio (the xRT of one core, independent of how many processes ran).</summary>
    public double CpuRealTimeFactor => AudioSeconds > 0 ? DecoderCpuSeconds / AudioSeconds : 0;
}
