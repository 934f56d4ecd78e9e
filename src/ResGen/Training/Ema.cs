using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Training;

/// <summary>
/// Exponential moving average of a module's trainable parameters, kept in one flat full-precision
/// buffer. Built from a <see cref="FlatAdamW"/> it tracks the optimizer's master weights with a
/// single <c>lerp_</c> per update; built from a plain module it updates parameter by parameter.
/// </summary>
/// <remarks>
/// With <c>warmup</c> the decay used at update <c>t</c> (0-based) is <c>min(decay, (1 + t) / (10 + t))</c>,
/// so early averages are not dominated by the random initialisation.
/// </remarks>
public sealed class Ema : IDisposable
{
    private readonly nn.Module _module;
    private readonly FlatAdamW? _optimizer;
    private readonly IReadOnlyList<FlatSlot> _slots;
    private readonly Tensor _shadow;
    private readonly Tensor _weight;   // the update's weight on the shadow's device, refilled each update (no host-to-device copy)

    /// <summary>Averages the master weights of <paramref name="optimizer"/> (fast path: one op per update).</summary>
    /// <param name="module">The module bound to <paramref name="optimizer"/>; swapped in for evaluation.</param>
    /// <param name="optimizer">The optimizer whose flat master weights are averaged.</param>
    /// <param name="decay">Decay per update, in [0, 1).</param>
    /// <param name="warmup">Whether to ramp the decay up over the first updates.</param>
    public Ema(nn.Module module, FlatAdamW optimizer, double decay = 0.999, bool warmup = false)
        : this(module, optimizer ?? throw new ArgumentNullException(nameof(optimizer)), optimizer.Parameters.Slots, decay, warmup)
    {
    }

    /// <summary>Averages the trainable parameters of <paramref name="module"/> one tensor at a time.</summary>
    /// <param name="module">The module whose parameters are averaged.</param>
    /// <param name="decay">Decay per update, in [0, 1).</param>
    /// <param name="warmup">Whether to ramp the decay up over the first updates.</param>
    public Ema(nn.Module module, double decay = 0.999, bool warmup = false)
        : this(module, null, SlotsOf(module), decay, warmup)
    {
    }

    private Ema(nn.Module module, FlatAdamW? optimizer, IReadOnlyList<FlatSlot> slots, double decay, bool warmup)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!(decay >= 0 && decay < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(decay), decay, $"EMA decay must be in [0, 1), got {decay}.");
        }

        if (optimizer is not null)
        {
            var bound = module.named_parameters().ToDictionary(x => x.name, x => x.parameter.shape);
            var diff = StateDictDiff.Compare(slots.ToDictionary(s => s.Name, s => s.Shape), bound);
            if (diff.Unexpected.Count > 0 || diff.Mismatched.Count > 0)
            {
                throw new ArgumentException(diff.Describe("the optimizer's parameters", "the module"), nameof(module));
            }
        }

        _module = module;
        _optimizer = optimizer;
        _slots = slots;
        Decay = decay;
        Warmup = warmup;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        _shadow = (optimizer?.Master.clone() ?? Gather(module)).DetachFromDisposeScope();
        _weight = torch.zeros([], dtype: _shadow.dtype, device: _shadow.device).DetachFromDisposeScope();
    }

    /// <summary>The target decay.</summary>
    public double Decay { get; }

    /// <summary>Whether the decay ramps up over the first updates.</summary>
    public bool Warmup { get; }

    /// <summary>Number of <see cref="Update"/> calls so far.</summary>
    public long UpdateCount { get; private set; }

    /// <summary>The flat averaged weights (float32, or float64 for a float64 model).</summary>
    public Tensor Shadow => _shadow;

    /// <summary>The decay the next <see cref="Update"/> will use.</summary>
    public double CurrentDecay => Warmup ? Math.Min(Decay, (1.0 + UpdateCount) / (10.0 + UpdateCount)) : Decay;

    /// <summary>Moves the average towards the current weights: <c>shadow = d * shadow + (1 - d) * weights</c>.</summary>
    public void Update()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var weight = 1.0 - CurrentDecay;
        if (_optimizer is not null)
        {
            _shadow.lerp_(_optimizer.Master, _weight.fill_(weight));
        }
        else
        {
            var parameters = _module.named_parameters().ToDictionary(x => x.name, x => x.parameter);
            foreach (var slot in _slots)
            {
                FlatParameters.SlotView(_shadow, slot).mul_(1.0 - weight).add_(parameters[slot.Name], alpha: weight);
            }
        }

        UpdateCount++;
    }

    /// <summary>Copies the averaged weights into <paramref name="target"/>'s parameters, matched by name and shape.</summary>
    public void CopyTo(nn.Module target)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        if (_optimizer is not null && ReferenceEquals(target, _module))
        {
            _optimizer.Parameters.Data.copy_(_shadow);
            return;
        }

        var parameters = target.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        var diff = StateDictDiff.Compare(
            _slots.ToDictionary(s => s.Name, s => s.Shape),
            parameters.Where(kv => kv.Value.requires_grad).ToDictionary(kv => kv.Key, kv => kv.Value.shape));
        if (!diff.IsMatch)
        {
            throw new ArgumentException(diff.Describe("the EMA weights", "the target module"), nameof(target));
        }

        foreach (var slot in _slots)
        {
            parameters[slot.Name].copy_(FlatParameters.SlotView(_shadow, slot));
        }
    }

    /// <summary>
    /// Puts the averaged weights into the tracked module for evaluation; disposing the result puts
    /// the training weights back bit-exactly. Do not step the optimizer while swapped in.
    /// </summary>
    public IDisposable SwapIn()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var backup = (_optimizer?.Parameters.Data.clone() ?? Gather(_module, keepDtype: true)).DetachFromDisposeScope();
        CopyTo(_module);
        return new Restore(this, backup);
    }

    /// <summary>The average keyed <c>weights.NAME</c> per parameter plus <c>updates</c> (0-d int64); views registered in the caller's scope.</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var state = _slots.ToDictionary(s => "weights." + s.Name, s => FlatParameters.SlotView(_shadow, s), StringComparer.Ordinal);
        state["updates"] = torch.tensor(UpdateCount, dtype: ScalarType.Int64);
        return state;
    }

    /// <summary>Restores what <see cref="StateDict"/> produced; throws <see cref="UserErrorException"/> on a key or shape mismatch.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var expected = _slots.ToDictionary(s => "weights." + s.Name, s => s.Shape, StringComparer.Ordinal);
        expected["updates"] = [];
        var diff = StateDictDiff.Compare(state.ToDictionary(kv => kv.Key, kv => kv.Value.shape), expected);
        if (!diff.IsMatch)
        {
            throw new UserErrorException(diff.Describe("the saved EMA weights", "the model's parameters"));
        }

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        foreach (var slot in _slots)
        {
            FlatParameters.SlotView(_shadow, slot).copy_(state["weights." + slot.Name]);
        }

        UpdateCount = state["updates"].to_type(ScalarType.Int64).item<long>();   // host: checkpoint load
    }

    /// <summary>Releases the average.</summary>
    public void Dispose()
    {
        _shadow.Dispose();
        _weight.Dispose();
    }

    private static IReadOnlyList<FlatSlot> SlotsOf(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var slots = new List<FlatSlot>();
        long offset = 0;
        foreach (var (name, p) in module.named_parameters().Where(x => x.parameter.requires_grad))
        {
            slots.Add(new FlatSlot(name, offset, p.shape, Decay: false));
            offset += p.numel();
        }

        return slots.Count > 0 ? slots : throw new ArgumentException($"Module {module.GetName()} has no trainable parameters.", nameof(module));
    }

    private Tensor Gather(nn.Module module, bool keepDtype = false)
    {
        var parameters = module.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        var dtype = parameters[_slots[0].Name].dtype;
        var flatDtype = keepDtype || dtype == ScalarType.Float64 ? dtype : ScalarType.Float32;
        return torch.cat(_slots.Select(s => parameters[s.Name].detach().reshape(-1).to_type(flatDtype)).ToList(), 0);
    }

    private void RestoreFrom(Tensor backup)
    {
        using var noGrad = torch.no_grad();
        if (_optimizer is not null)
        {
            _optimizer.Parameters.Data.copy_(backup);
            return;
        }

        var parameters = _module.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        foreach (var slot in _slots)
        {
            parameters[slot.Name].copy_(FlatParameters.SlotView(backup, slot));
        }
    }

    private sealed class Restore(Ema ema, Tensor backup) : IDisposable
    {
        private Tensor? _backup = backup;

        public void Dispose()
        {
            if (_backup is null)
            {
                return;
            }

            using (var scope = torch.NewDisposeScope())
            {
                ema.RestoreFrom(_backup);
            }

            _backup.Dispose();
            _backup = null;
        }
    }
}
