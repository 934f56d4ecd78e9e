namespace ResGen;
internal static class Placeholder { }
