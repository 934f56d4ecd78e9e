using ResGen.Data;

namespace ResGen.Tests.Data;

public sealed class ClassNamesTests
{
    [Fact]
    public void FashionMnist_HasTheTenNamesInLabelOrder()
    {
        Assert.Equal(
            ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
            FashionMnist.ClassNames);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("9", 9)]
    [InlineData(" 7 ", 7)]
    [InlineData("T-shirt/top", 0)]
    [InlineData("tshirt", 0)]
    [InlineData("t-shirt", 0)]
    [InlineData("T-Shirt", 0)]
    [InlineData("top", 0)]
    [InlineData("Trouser", 1)]
    [InlineData("pull", 2)]
    [InlineData("DRESS", 3)]
    [InlineData("Shirt", 6)]
    [InlineData("shirt", 6)]
    [InlineData("sneaker", 7)]
    [InlineData("sn", 7)]
    [InlineData("bag", 8)]
    [InlineData("Ankle boot", 9)]
    [InlineData("ankle-boot", 9)]
    [InlineData("ankle_boot", 9)]
    [InlineData("ankleboot", 9)]
    [InlineData("ankle", 9)]
    public void ParseClass_AcceptsIndicesNamesAndAbbreviations(string input, int expected)
    {
        Assert.Equal(expected, FashionMnist.ParseClass(input));
    }

    [Theory]
    [InlineData("hat")]
    [InlineData("trousers")]
    [InlineData("")]
    [InlineData("--")]
    public void ParseClass_UnknownNameListsTheValidNames(string input)
    {
        var error = Assert.Throws<UserErrorException>(() => FashionMnist.ParseClass(input));

        Assert.Contains($"'{input}'", error.Message);
        foreach (string name in FashionMnist.ClassNames)
        {
            Assert.Contains(name, error.Message);
        }
    }

    [Theory]
    [InlineData("10")]
    [InlineData("-1")]
    public void ParseClass_IndexOutOfRangeIsAUserError(string input)
    {
        var error = Assert.Throws<UserErrorException>(() => FashionMnist.ParseClass(input));

        Assert.Contains("0 to 9", error.Message);
    }

    [Fact]
    public void ParseClass_AmbiguousPrefixNamesTheCandidates()
    {
        var error = Assert.Throws<UserErrorException>(() => FashionMnist.ParseClass("s"));

        Assert.Contains("ambiguous", error.Message);
        Assert.Contains("'Sandal'", error.Message);
        Assert.Contains("'Shirt'", error.Message);
        Assert.Contains("'Sneaker'", error.Message);
        Assert.DoesNotContain("'Coat'", error.Message);
    }

    [Fact]
    public void Parse_WorksForAnyNameList()
    {
        Assert.Equal(1, ClassNames.Parse(["cat", "dog"], "Dog"));
        Assert.Throws<ArgumentException>(() => ClassNames.Parse([], "dog"));
    }
}
