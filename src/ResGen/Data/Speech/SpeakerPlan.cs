namespace ResGen.Data.Speech;

/// <summary>
/// The speakers of a corpus for a seed. A quarter of each split (rounded down) are Festival speakers,
/// cycling through its three voices (kal, ked, slt) with a duration stretch and a sox pitch shift from a
/// 4 × 5 grid, training and held-out speakers never sharing a setting; the rest are espeak-ng speakers.
/// espeak-ng speakers combine one of <see cref="EspeakVoices"/> (8 English accents) with a variant
/// (voice quality), a pitch and a rate; held-out speakers use variants that no training speaker uses,
/// so their voice quality is new, not only their pitch or accent. Ids: training speakers first
/// (<c>s000</c>, <c>s001</c>, ...), then the held-out ones.
/// </summary>
public static class SpeakerPlan
{
    /// <summary>The espeak-ng voices used as accents.</summary>
    public static readonly IReadOnlyList<string> EspeakVoices =
        ["en-us", "en", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029", "en-us-nyc"];

    /// <summary>
    /// espeak-ng variants that sound like a person (the whispering, croaking, robotic and demonic ones are left out).
    /// </summary>
    public static readonly IReadOnlyList<string> EspeakVariants =
    [
        "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "f1", "f2", "f3", "f4", "f5",
        "klatt", "klatt2", "klatt3", "klatt4", "klatt5", "klatt6",
        "Alex", "Alicia", "Andrea", "Andy", "Annie", "AnxiousAndy", "Denis", "Diogo", "Gene", "Gene2", "Henrique", "Hugo",
        "Jacky", "Lee", "Marco", "Mario", "Michael", "Mike", "Nguyen", "RicishayMax", "RicishayMax2", "RicishayMax3", "Storm",
        "adam", "anika", "announcer", "antonio", "aunty", "belinda", "benjamin", "boris", "caleb", "david", "ed", "edward",
        "edward2", "grandma", "grandpa", "gustave", "iven", "iven2", "iven3", "iven4", "john", "kaukovalta", "linda", "marcelo",
        "max", "michel", "miguel", "norbert", "pablo", "paul", "pedro", "quincy", "rob", "robert", "sandro", "shelby", "steph",
        "steph2", "steph3", "travis", "victor", "zac",
    ];

    /// <summary>espeak-ng pitches drawn from (50 is a voice's own).</summary>
    public static readonly IReadOnlyList<int> EspeakPitches = [25, 35, 45, 55, 65, 75];
    /// <summary>espeak-ng rates drawn from, in words per minute (175 is espeak-ng's default).</summary>
    public static readonly IReadOnlyList<int> EspeakRates = [135, 150, 165, 180, 195];

    /// <summary>Festival's English voices (Debian: festvox-kallpc16k, festvox-kdlpc16k, festvox-us-slt-hts).</summary>
    public static readonly IReadOnlyList<string> FestivalVoices = ["kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts"];
    /// <summary>Festival duration stretches.</summary>
    public static readonly IReadOnlyList<double> FestivalStretches = [0.85, 0.95, 1.05, 1.15];
    /// <summary>Festival pitch shifts in cents.</summary>
    public static readonly IReadOnlyList<int> FestivalPitchShifts = [-300, -150, 0, 150, 300];

    /// <summary>The most speakers a corpus may have.</summary>
    public const int MaxSpeakers = 1000;

    /// <summary>How many of <paramref name="count"/> speakers of a split are Festival speakers.</summary>
    public static int FestivalCount(int count) => count / 4;

    /// <summary><paramref name="train"/> training and <paramref name="heldOut"/> held-out speakers for <paramref name="seed"/>.</summary>
    public static IReadOnlyList<SpeakerSpec> Create(int train, int heldOut, ulong seed)
    {
        if (train < 1) throw new UserErrorException($"a corpus needs at least 1 training speaker, got {train}.");
        if (heldOut < 0) throw new UserErrorException($"the number of held-out speakers cannot be negative, got {heldOut}.");
        if (train + heldOut > MaxSpeakers) throw new UserErrorException($"a corpus has at most {MaxSpeakers} speakers, got {train} + {heldOut}.");
        var festival = FestivalSettings(FestivalCount(train), FestivalCount(heldOut), seed);
        var espeak = EspeakSettings(train - festival.Count(s => !s.HeldOut), heldOut - festival.Count(s => s.HeldOut), seed);

        var speakers = new List<SpeakerSpec>();
        foreach (bool held in new[] { false, true })
        {
            // Festival speakers spread evenly through the split, so a prefix of the ids has some too
            var f = new Queue<SpeakerSpec>(festival.Where(s => s.HeldOut == held));
            var e = new Queue<SpeakerSpec>(espeak.Where(s => s.HeldOut == held));
            int festivalTotal = f.Count, count = f.Count + e.Count;
            for (int i = 0; i < count; i++)
            {
                int festivalBefore = (int)((long)i * festivalTotal / count), festivalAfter = (int)((long)(i + 1) * festivalTotal / count);
                var next = festivalAfter > festivalBefore && f.Count > 0 ? f.Dequeue() : e.Count > 0 ? e.Dequeue() : f.Dequeue();
                speakers.Add(next with { Id = $"s{speakers.Count:000}" });
            }
        }
        return speakers;
    }

    static List<SpeakerSpec> EspeakSettings(int train, int heldOut, ulong seed)
    {
        var rng = StableRandom.For(seed, "espeak speakers");
        var variants = rng.Shuffle(EspeakVariants);
        var accents = rng.Shuffle(EspeakVoices);
        int heldVariants = heldOut == 0 ? 0 : Math.Clamp((int)Math.Round((double)variants.Length * heldOut / (train + heldOut)), 1, variants.Length - 1);
        var trainVariants = variants[..^heldVariants];
        var heldOutVariants = variants[^heldVariants..];
        var list = new List<SpeakerSpec>();
        var used = new HashSet<(string, string, int, int)>();
        foreach (var (count, pool, held) in new[] { (train, trainVariants, false), (heldOut, heldOutVariants, true) })
        {
            for (int k = 0; k < count; k++)
            {
                string variant = pool[k % pool.Length];
                // each round through the variants moves to the next accent, so (variant, accent) pairs repeat late
                string accent = accents[(k + k / pool.Length) % accents.Length];
                int pitch, rate;
                do
                {
                    pitch = rng.Pick(EspeakPitches);
                    rate = rng.Pick(EspeakRates);
                }
                while (!used.Add((accent, variant, pitch, rate)));
                list.Add(new SpeakerSpec { Id = "", Engine = SpeakerSpec.Espeak, Voice = accent, Variant = variant, Pitch = pitch, Rate = rate, HeldOut = held });
            }
        }
        return list;
    }

    static List<SpeakerSpec> FestivalSettings(int train, int heldOut, ulong seed)
    {
        var rng = StableRandom.For(seed, "festival speakers");
        var list = new List<SpeakerSpec>();
        // per voice, a shuffled grid: training speakers take settings from the front, held-out ones from the back
        var grids = FestivalVoices.Select(_ => rng.Shuffle(FestivalStretches.SelectMany(s => FestivalPitchShifts.Select(c => (s, c))))).ToArray();
        int gridSize = grids[0].Length;
        int[] front = new int[FestivalVoices.Count], back = new int[FestivalVoices.Count];
        foreach (var (count, held) in new[] { (train, false), (heldOut, true) })
        {
            for (int k = 0; k < count; k++)
            {
                int v = k % FestivalVoices.Count;
                if (front[v] + back[v] >= gridSize) break; // every setting of this voice taken: the rest are espeak-ng speakers
                var (stretch, cents) = held ? grids[v][gridSize - 1 - back[v]++] : grids[v][front[v]++];
                list.Add(new SpeakerSpec { Id = "", Engine = SpeakerSpec.Festival, Voice = FestivalVoices[v], Stretch = stretch, PitchShiftCents = cents, HeldOut = held });
            }
        }
        return list;
    }
}
