using ResGen.Audio;
using ResGen.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tokens.Speech;

/// <summary>What a training pass of the speech tokenizer returns.</summary>
/// <param name="Reconstruction">Log-mel [B, M, T], as the input (frames at or after an example's length are not meaningful).</param>
/// <param name="Quantizer">The quantizer's output on the latent positions [B, L, ..]; padded positions hold index -1.</param>
/// <param name="FrameMask">[B, T] true at real frames; null when every frame is real.</param>
public sealed record SpeechTokenizerOutput(Tensor Reconstruction, QuantizerOutput Quantizer, Tensor? FrameMask);

/// <summary>
/// Speech tokenizer: a 1-D convolutional autoencoder over log-mel frames whose latent sequence
/// is quantized by residual VQ. An utterance of T mel frames [M, T] becomes L = ceil(T / f)
/// positions × D depths of code indices; the decoder sees only the sum of the code vectors at
/// each position and gives back L·f frames, cropped to T. Batches of utterances of different
/// lengths take their frame lengths: padded frames are kept out of every convolution, out of the
/// codebook statistics and out of the loss, so an utterance is encoded the same alone or in a batch.
/// Log-mels go in and come out in natural-log units; the network sees them normalised by the
/// mel config's mean and std.
/// </summary>
public sealed class SpeechTokenizer : nn.Module, ITokenizer
{
    readonly MelEncoder encoder;
    readonly MelDecoder decoder;
    readonly ResidualVectorQuantizer rvq;

    public SpeechTokenizer(MelConfig mel, SpeechTokenizerModelConfig model, RvqConfig rvqConfig) : base("speech_tokenizer")
    {
        mel.Validate();
        model.Validate();
        rvqConfig.Validate();
        Mel = mel;
        Model = model;
        encoder = new MelEncoder(mel.MelBins, model, rvqConfig.CodeDim);
        decoder = new MelDecoder(mel.MelBins, model, rvqConfig.CodeDim);
        rvq = new ResidualVectorQuantizer(rvqConfig);
        RegisterComponents();
    }

    /// <summary>The mel front end the tokenizer reads (compute mels for it with these settings).</summary>
    public MelConfig Mel { get; }
    public SpeechTokenizerModelConfig Model { get; }
    /// <summary>Mel frames per latent position (f).</summary>
    public int Stride => Model.Downsample;
    /// <summary>Latent positions per second of audio.</summary>
    public double PositionRate => Mel.FrameRate / Stride;
    /// <summary>0: the number of positions follows from each utterance's length (<see cref="PositionsOf"/>).</summary>
    public int Positions => 0;
    public int Depth => rvq.Depth;
    public int CodebookSize => rvq.CodebookSize;
    public int CodeDim => rvq.CodeDim;
    public ResidualVectorQuantizer Quantizer => rvq;

    /// <summary>Latent positions of an utterance of <paramref name="frames"/> mel frames: ceil(frames / f).</summary>
    public long PositionsOf(long frames) => (frames + Stride - 1) / Stride;

    /// <summary>
    /// Log-mel [B, M, T] → continuous latents [B, L, d_z] and the latent lengths [B] (null when
    /// <paramref name="lengths"/> is null: every position real). Latents of padded positions are zero.
    /// </summary>
    public (Tensor Latent, Tensor? Lengths) EncodeLatent(Tensor logMel, Tensor? lengths = null)
    {
        CheckMel(logMel);
        long b = logMel.shape[0], t = logMel.shape[2], l = PositionsOf(t);
        if (lengths is not null) TokenBatch.CheckLengths(lengths, b, t);
        var x = nn.functional.pad(MelSpectrogram.Normalize(logMel.to(ScalarType.Float32), Mel), [0, l * Stride - t]);
        var frameLengths = lengths?.to(ScalarType.Int64).to(x.device) ?? (t % Stride == 0 ? null : torch.full(b, t, ScalarType.Int64, device: x.device));
        var masks = EncoderMasks(frameLengths, l * Stride);
        var z = encoder.Forward(x, masks);
        var latentMask = masks[^1];
        if (latentMask is not null) z = z * latentMask;
        var latentLengths = lengths is null ? null : CeilDiv(frameLengths!, Stride);
        return (z.transpose(1, 2), latentLengths);
    }

    /// <summary>
    /// Summed code vectors [B, L, d_z] → log-mel [B, M, L·f]. With <paramref name="latentLengths"/>
    /// [B], positions at or after an example's length are padding and reach none of its frames.
    /// </summary>
    public Tensor DecodeLatent(Tensor summed, Tensor? latentLengths)
    {
        if (summed.dim() != 3 || summed.shape[2] != CodeDim)
            throw new ArgumentException($"expected summed codes [B, L, {CodeDim}], got [{string.Join(", ", summed.shape)}]");
        long l = summed.shape[1];
        if (latentLengths is not null) TokenBatch.CheckLengths(latentLengths, summed.shape[0], l);
        var masks = DecoderMasks(latentLengths?.to(ScalarType.Int64).to(summed.device), l);
        var mel = decoder.Forward(summed.transpose(1, 2), masks);
        return MelSpectrogram.Denormalize(mel, Mel);
    }

    /// <summary>Summed code vectors [B, L, d_z] → log-mel [B, M, L·f] (every position real).</summary>
    public Tensor DecodeLatent(Tensor summed) => DecodeLatent(summed, null);

    /// <summary>Log-mel [B, M, T] → indices [B, ceil(T / f), D] (int64); every frame real.</summary>
    public Tensor Encode(Tensor logMel) => Encode(logMel, null).Indices;

    /// <summary>
    /// Log-mel [B, M, T] with frame lengths [B] (null: all T) → indices [B, L, D] and latent
    /// lengths; padded positions hold code 0.
    /// </summary>
    public TokenBatch Encode(Tensor logMel, Tensor? lengths)
    {
        using var _ = torch.no_grad();
        var (z, latentLengths) = EncodeLatent(logMel, lengths);
        var idx = rvq.Encode(z);
        if (latentLengths is not null)
            idx = idx * TokenBatch.ValidMask(latentLengths, idx.shape[1]).unsqueeze(2).to(idx.dtype);
        return new TokenBatch(idx, latentLengths);
    }

    /// <summary>One utterance's log-mel [M, T] → its tokens [ceil(T / f), D].</summary>
    public Tensor EncodeUtterance(Tensor logMel)
    {
        if (logMel.dim() != 2) throw new ArgumentException($"expected one utterance's log-mel [M, T], got [{string.Join(", ", logMel.shape)}]");
        return Encode(logMel.unsqueeze(0)).squeeze(0);
    }

    /// <summary>Indices [B, L, D] → log-mel [B, M, L·f].</summary>
    public Tensor Decode(Tensor indices)
    {
        using var _ = torch.no_grad();
        return DecodeLatent(rvq.Decode(indices));
    }

    /// <summary>
    /// Tokens of one utterance [L, D] → its log-mel [M, frames] (frames defaults to L·f; at most
    /// L·f and more than (L−1)·f). Negative indices (an unknown depth) contribute nothing.
    /// </summary>
    public Tensor DecodeToMel(Tensor tokens, long? frames = null)
    {
        if (tokens.dim() != 2) throw new ArgumentException($"expected one utterance's tokens [L, D], got [{string.Join(", ", tokens.shape)}]");
        long l = tokens.shape[0], t = frames ?? l * Stride;
        if (PositionsOf(t) != l) throw new ArgumentException($"{t} frames make {PositionsOf(t)} positions, but the tokens have {l}");
        return Decode(tokens.unsqueeze(0))[0, .., ..(int)t];
    }

    /// <summary>Reconstruction [B, M, T] from the first <paramref name="depths"/> depths only (eval, no gradients).</summary>
    public Tensor Reconstruct(Tensor logMel, int depths, Tensor? lengths = null)
    {
        using var _ = torch.no_grad();
        var tokens = Encode(logMel, lengths);
        var visible = torch.full(tokens.Indices.shape[..^1], depths, ScalarType.Int64, device: tokens.Indices.device);
        return DecodeLatent(rvq.EmbedPrefix(tokens.Indices, visible), tokens.Lengths)[.., .., ..(int)logMel.shape[2]];
    }

    /// <summary>
    /// Full pass. In training mode a random share of the examples (quantizer dropout) use only a
    /// random number of depths 1..D, so that coarse prefixes decode well; padded positions use no
    /// depth at all, so they never move a codebook (and k-means starts from real positions only).
    /// In eval mode the reconstruction equals decoding the sum of the returned codes.
    /// </summary>
    public SpeechTokenizerOutput Forward(Tensor logMel, Tensor? lengths = null, Generator? generator = null)
    {
        var (z, latentLengths) = EncodeLatent(logMel, lengths);
        long b = z.shape[0], l = z.shape[1];
        var valid = latentLengths is null ? null : TokenBatch.ValidMask(latentLengths, l);
        Tensor? active = null;
        float p = rvq.DropoutProbability;
        if (training && p > 0 && Depth > 1)
        {
            var drop = RandomDraw.Rand([b], generator, z.device) < p;
            var depths = RandomDraw.RandInt(1, Depth + 1, [b], generator, z.device);
            active = torch.where(drop, depths, torch.full_like(depths, Depth)).unsqueeze(1).expand(b, l);
        }
        if (valid is not null)
        {
            active = (active ?? torch.full([b, l], Depth, ScalarType.Int64, device: z.device)) * valid.to(ScalarType.Int64);
            if (training && !rvq.IsInitialized)
                rvq.KMeansInit(z.detach().reshape(-1, CodeDim).index_select(0, valid.reshape(-1).nonzero().squeeze(1)), generator);
        }
        var q = rvq.Quantize(z, active, generator);
        var rec = DecodeLatent(q.Quantized, latentLengths)[.., .., ..(int)logMel.shape[2]];
        var frameMask = lengths is null ? null : TokenBatch.ValidMask(lengths.to(rec.device), logMel.shape[2]);
        return new SpeechTokenizerOutput(rec, q, frameMask);
    }

    /// <summary>Mean squared error over real frames only (all frames when <paramref name="frameMask"/> [B, T] is null).</summary>
    public static Tensor ReconstructionLoss(Tensor reconstruction, Tensor target, Tensor? frameMask)
    {
        var sq = (reconstruction - target).pow(2);
        if (frameMask is null) return sq.mean();
        var w = frameMask.to(sq.dtype).unsqueeze(1);
        return (sq * w).sum() / (w.sum() * sq.shape[1]).clamp_min(1);
    }

    /// <summary>
    /// Encoder frame masks [B, 1, T/2^s] for every resolution s = 0..stages from frame lengths
    /// (a frame of resolution s covers 2^s mel frames and is real when any of them is); all null
    /// when <paramref name="frameLengths"/> is null.
    /// </summary>
    Tensor?[] EncoderMasks(Tensor? frameLengths, long paddedFrames)
    {
        var masks = new Tensor?[Model.Stages + 1];
        if (frameLengths is null) return masks;
        for (int s = 0; s < masks.Length; s++)
            masks[s] = TokenBatch.ValidMask(CeilDiv(frameLengths, 1L << s), paddedFrames >> s).unsqueeze(1).to(ScalarType.Float32);
        return masks;
    }

    /// <summary>Decoder frame masks [B, 1, L·2^(stages−s)] from latent lengths (each real position makes 2^(stages−s) real frames).</summary>
    Tensor?[] DecoderMasks(Tensor? latentLengths, long positions)
    {
        int stages = Model.Stages;
        var masks = new Tensor?[stages + 1];
        if (latentLengths is null) return masks;
        for (int s = 0; s <= stages; s++)
            masks[s] = TokenBatch.ValidMask(latentLengths * (1L << (stages - s)), positions << (stages - s)).unsqueeze(1).to(ScalarType.Float32);
        return masks;
    }

    static Tensor CeilDiv(Tensor n, long d) => (n + (d - 1)).div(d, RoundingMode.floor);

    void CheckMel(Tensor logMel)
    {
        if (logMel.dim() != 3 || logMel.shape[1] != Mel.MelBins || logMel.shape[2] < 1)
            throw new ArgumentException($"expected log-mel [B, {Mel.MelBins}, T], got [{string.Join(", ", logMel.shape)}]");
    }
}
