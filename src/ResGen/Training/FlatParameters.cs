using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ResGen.Training;

/// <summary>Where one parameter lives inside a <see cref="FlatParameters"/> buffer.</summary>
/// <param name="Name">The PyTorch-style state-dict name, e.g. <c>blocks.0.attn.weight</c>.</param>
/// <param name="Offset">First element of the parameter in the flat buffer.</param>
/// <param name="Shape">The parameter's shape.</param>
/// <param name="Decay">Whether decoupled weight decay applies to it.</param>
public sealed record FlatSlot(string Name, long Offset, long[] Shape, bool Decay)
{
    /// <summary>Number of elements.</summary>
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// Rebinds every trainable parameter of a module to a view into one contiguous flat tensor, and
/// every gradient to a view into one flat gradient tensor, so that whole-model updates are a few
/// large tensor operations.
/// </summary>
/// <remarks>
/// Binding uses <c>Tensor.set_</c> under <c>no_grad</c>: the module keeps its <see cref="Parameter"/>
/// objects, which now share storage with <see cref="Data"/>. Backward accumulates in place into the
/// bound gradient views as long as they stay bound, so never call <c>Module.zero_grad()</c> (it sets
/// gradients to null by default); use <see cref="ZeroGrad"/>. Moving or casting the module with
/// <c>Module.to(...)</c> afterwards replaces the parameters and breaks the binding.
/// Parameters that decay come first, so weight decay is a single slice.
/// </remarks>
public sealed class FlatParameters : IDisposable
{
    private readonly List<(Parameter Param, Tensor GradView)> _bound = [];

    /// <summary>Binds the trainable parameters of <paramref name="module"/>.</summary>
    /// <param name="module">The module; parameters with <c>requires_grad == false</c> are left alone.</param>
    /// <param name="decay">Chooses the parameters that get weight decay; null means those with two or more dimensions.</param>
    public FlatParameters(nn.Module module, Func<string, Parameter, bool>? decay = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        decay ??= static (_, p) => p.dim() >= 2;
        // named_parameters already skips a Parameter object registered twice (tied weights).
        var trainable = module.named_parameters().Where(np => np.parameter.requires_grad)
            .Select(np => (Name: np.name, Param: np.parameter)).ToList();
        if (trainable.Count == 0)
        {
            throw new ArgumentException($"Module {module.GetName()} has no trainable parameters.", nameof(module));
        }

        DType = trainable[0].Param.dtype;
        var device = trainable[0].Param.device;
        foreach (var (name, p) in trainable)
        {
            if (p.dtype != DType || p.device.ToString() != device.ToString())
            {
                throw new ArgumentException(
                    $"Parameter {name} is {p.dtype} on {p.device} but {trainable[0].Name} is {DType} on {device}; all trainable parameters must match.",
                    nameof(module));
            }
        }

        var ordered = trainable.Select(t => (t.Name, t.Param, Decay: decay(t.Name, t.Param)))
            .OrderBy(t => t.Decay ? 0 : 1).ToList();
        var slots = new List<FlatSlot>(ordered.Count);
        long offset = 0;
        foreach (var (name, p, d) in ordered)
        {
            slots.Add(new FlatSlot(name, offset, p.shape, d));
            offset += p.numel();
        }

        Slots = slots;
        Count = offset;
        DecayCount = slots.Where(s => s.Decay).Sum(s => s.Count);
        Data = torch.empty(Count, dtype: DType, device: device).DetachFromDisposeScope();
        Grad = torch.zeros(Count, dtype: DType, device: device).DetachFromDisposeScope();

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        for (var i = 0; i < ordered.Count; i++)
        {
            var p = ordered[i].Param;
            var slot = slots[i];
            var view = Data.narrow(0, slot.Offset, slot.Count).view(slot.Shape);
            view.copy_(p);
            p.set_(view);
            var gradView = Grad.narrow(0, slot.Offset, slot.Count).view(slot.Shape).DetachFromDisposeScope();
            _bound.Add((p, gradView));
        }

        BindGradients();
    }

    /// <summary>The flat parameter tensor (model dtype); every bound parameter is a view into it.</summary>
    public Tensor Data { get; }

    /// <summary>The flat gradient tensor; every bound parameter's <c>grad</c> is a view into it.</summary>
    public Tensor Grad { get; }

    /// <summary>The dtype shared by all bound parameters.</summary>
    public ScalarType DType { get; }

    /// <summary>Total number of elements.</summary>
    public long Count { get; }

    /// <summary>Elements <c>[0, DecayCount)</c> belong to parameters that get weight decay.</summary>
    public long DecayCount { get; }

    /// <summary>Layout of the parameters in the flat buffers, decaying ones first.</summary>
    public IReadOnlyList<FlatSlot> Slots { get; }

    /// <summary>Zeroes the flat gradient in one operation and makes sure every parameter still points at it.</summary>
    public void ZeroGrad()
    {
        using (torch.no_grad())
        {
            Grad.zero_();
        }

        BindGradients();
    }

    /// <summary>Points each parameter's <c>grad</c> at its view of <see cref="Grad"/> (cheap; no data is copied).</summary>
    public void BindGradients()
    {
        foreach (var (param, gradView) in _bound)
        {
            param.grad = gradView;
        }
    }

    /// <summary>A view of <paramref name="flat"/> (same layout as <see cref="Data"/>) shaped like one slot.</summary>
    public static Tensor SlotView(Tensor flat, FlatSlot slot)
    {
        ArgumentNullException.ThrowIfNull(flat);
        ArgumentNullException.ThrowIfNull(slot);
        return flat.narrow(0, slot.Offset, slot.Count).view(slot.Shape);
    }

    /// <summary>
    /// Releases this object's handles. The parameters keep the shared storage alive and still work,
    /// but their gradients are no longer kept bound to a flat buffer.
    /// </summary>
    public void Dispose()
    {
        foreach (var (_, gradView) in _bound)
        {
            gradView.Dispose();
        }

        _bound.Clear();
        Grad.Dispose();
        Data.Dispose();
    }
}
