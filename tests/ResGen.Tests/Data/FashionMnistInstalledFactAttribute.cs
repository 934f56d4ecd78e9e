using ResGen.Data;

namespace ResGen.Tests.Data;

/// <summary>A fact that is skipped, with a reason, when the real Fashion-MNIST files are not installed.</summary>
public sealed class FashionMnistInstalledFactAttribute : FactAttribute
{
    public FashionMnistInstalledFactAttribute()
    {
        if (!Directory.Exists(FashionMnist.DefaultDirectory))
        {
            Skip = $"Fashion-MNIST is not installed at {FashionMnist.DefaultDirectory} " +
                   "(sudo apt-get install dataset-fashion-mnist).";
        }
    }
}
