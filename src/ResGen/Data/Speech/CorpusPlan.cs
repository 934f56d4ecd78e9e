namespace ResGen.Data.Speech;

/// <summary>One utterance to render: its id, speaker, split and sentence.</summary>
public sealed record PlannedUtterance(string Id, SpeakerSpec Speaker, string Split, PoolSentence Sentence)
{
    /// <summary>The WAV file's path relative to the corpus folder: <c>wavs/SPEAKER/ID.wav</c>.</summary>
    public string WavPath => $"wavs/{Speaker.Id}/{Id}.wav";
}

/// <summary>
/// Which speaker says which sentence. A share of the sentence pool is held out (chosen by the seed) and
/// never spoken in training. Three splits:
/// <list type="bullet">
/// <item><c>train</c>: training speakers reading training sentences — the only split to train on;</item>
/// <item><c>held-out-sentence</c>: training speakers reading held-out sentences (about the held-out share
/// of each training speaker's utterances) — new text, known voices;</item>
/// <item><c>held-out-speaker</c>: held-out speakers reading held-out sentences — new voices and new text
/// (the zero-shot case; each held-out speaker's other utterances serve as its voice prompts).</item>
/// </list>
/// Sentences are dealt from a seeded shuffle of each sentence set in speaker order, so utterances
/// repeat a sentence only once a set is used up.
/// </summary>
public static class CorpusPlan
{
    /// <summary>Training speakers, training sentences.</summary>
    public const string Train = "train";
    /// <summary>Training speakers, held-out sentences.</summary>
    public const string HeldOutSentence = "held-out-sentence";
    /// <summary>Held-out speakers, held-out sentences.</summary>
    public const string HeldOutSpeaker = "held-out-speaker";

    /// <summary>The splits in manifest order.</summary>
    public static readonly IReadOnlyList<string> Splits = [Train, HeldOutSentence, HeldOutSpeaker];

    /// <summary>The most utterances one speaker may have.</summary>
    public const int MaxPerSpeaker = 10_000;

    /// <summary>The training and held-out sentences: a seeded choice of round(share · pool) sentences (at least one each way) is held out.</summary>
    public static (PoolSentence[] Train, PoolSentence[] HeldOut) SplitSentences(IReadOnlyList<PoolSentence> pool, double heldOutShare, ulong seed)
    {
        ValidateShare(heldOutShare);
        if (pool.Count < 2) throw new UserErrorException($"the sentence pool needs at least 2 sentences to hold some out, got {pool.Count}.");
        int held = Math.Clamp((int)Math.Round(pool.Count * heldOutShare), 1, pool.Count - 1);
        var order = StableRandom.For(seed, "held-out sentences").Shuffle(Enumerable.Range(0, pool.Count));
        var heldSet = order.Take(held).ToHashSet();
        return ([.. pool.Where((_, i) => !heldSet.Contains(i))], [.. pool.Where((_, i) => heldSet.Contains(i))]);
    }

    /// <summary>Checks a held-out share: a number strictly between 0 and 1.</summary>
    public static void ValidateShare(double heldOutShare)
    {
        if (!(heldOutShare is > 0 and < 1))
            throw new UserErrorException($"the held-out share of sentences must lie strictly between 0 and 1, got {heldOutShare}.");
    }

    /// <summary>Checks an utterance count per speaker.</summary>
    public static void ValidatePerSpeaker(int perSpeaker)
    {
        if (perSpeaker is < 1 or > MaxPerSpeaker)
            throw new UserErrorException($"utterances per speaker must lie between 1 and {MaxPerSpeaker}, got {perSpeaker}.");
    }

    /// <summary>
    /// <paramref name="perSpeaker"/> utterances for every speaker. A training speaker reads
    /// round(perSpeaker · share) held-out sentences (none when it has a single utterance) and training
    /// sentences for the rest; a held-out speaker reads held-out sentences only.
    /// </summary>
    public static IReadOnlyList<PlannedUtterance> Create(IReadOnlyList<PoolSentence> pool, IReadOnlyList<SpeakerSpec> speakers, int perSpeaker, double heldOutShare, ulong seed)
    {
        ValidatePerSpeaker(perSpeaker);
        var (train, heldOut) = SplitSentences(pool, heldOutShare, seed);
        var trainOrder = StableRandom.For(seed, "train sentence order").Shuffle(train);
        var heldOrder = StableRandom.For(seed, "held-out sentence order").Shuffle(heldOut);
        int trainCursor = 0, heldCursor = 0;
        int heldPerTrainSpeaker = perSpeaker == 1 ? 0 : (int)Math.Round(perSpeaker * heldOutShare);
        var list = new List<PlannedUtterance>();
        foreach (var speaker in speakers)
        {
            int held = speaker.HeldOut ? perSpeaker : heldPerTrainSpeaker;
            for (int j = 0; j < perSpeaker; j++)
            {
                bool isHeld = j >= perSpeaker - held;
                var sentence = isHeld ? heldOrder[heldCursor++ % heldOrder.Length] : trainOrder[trainCursor++ % trainOrder.Length];
                string split = speaker.HeldOut ? HeldOutSpeaker : isHeld ? HeldOutSentence : Train;
                list.Add(new PlannedUtterance($"{speaker.Id}_{j:0000}", speaker, split, sentence));
            }
        }
        return list;
    }
}
