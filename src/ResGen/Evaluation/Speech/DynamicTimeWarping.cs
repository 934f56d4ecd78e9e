namespace ResGen.Evaluation.Speech;

/// <summary>The cheapest monotone alignment of two sequences: its summed cost and how many frame pairs it holds.</summary>
public readonly record struct DtwAlignment(double Cost, int PathLength)
{
    /// <summary>Mean cost per aligned frame pair.</summary>
    public double MeanCost => Cost / PathLength;
}

/// <summary>
/// Dynamic time warping over a cost matrix: the path runs from (0, 0) to (n−1, m−1) in steps of
/// (1, 0), (0, 1) or (1, 1), and minimises the summed cost of the cells it visits. On equal cost
/// the diagonal step wins and a vertical and a horizontal step add the same length, so
/// transposing the matrix gives the same cost and length.
/// </summary>
public static class DynamicTimeWarping
{
    /// <summary>Aligns over <paramref name="cost"/>, row-major [<paramref name="rows"/>, <paramref name="columns"/>].</summary>
    public static DtwAlignment Align(ReadOnlySpan<double> cost, int rows, int columns)
    {
        if (rows < 1 || columns < 1) throw new ArgumentException($"need at least one row and one column, got {rows} and {columns}");
        if (cost.Length != (long)rows * columns)
            throw new ArgumentException($"a {rows}×{columns} cost matrix has {(long)rows * columns} cells, got {cost.Length}");
        // two rolling rows of (accumulated cost, path length)
        var acc = new double[columns];
        var len = new int[columns];
        var prevAcc = new double[columns];
        var prevLen = new int[columns];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                double c = cost[i * columns + j];
                if (double.IsNaN(c)) throw new ArgumentException($"the cost at ({i}, {j}) is NaN");
                if (i == 0 && j == 0) { acc[0] = c; len[0] = 1; continue; }
                double best = double.PositiveInfinity;
                int bestLen = 0;
                if (i > 0 && j > 0) { best = prevAcc[j - 1]; bestLen = prevLen[j - 1]; }
                if (i > 0 && prevAcc[j] < best) { best = prevAcc[j]; bestLen = prevLen[j]; }
                if (j > 0 && acc[j - 1] < best) { best = acc[j - 1]; bestLen = len[j - 1]; }
                else if (i > 0 && j > 0 && acc[j - 1] == best && prevAcc[j] == best && prevAcc[j - 1] != best)
                    bestLen = Math.Min(bestLen, len[j - 1]);           // up and left tie: the same rule both ways round
                acc[j] = best + c;
                len[j] = bestLen + 1;
            }
            (acc, prevAcc) = (prevAcc, acc);
            (len, prevLen) = (prevLen, len);
        }
        return new DtwAlignment(prevAcc[columns - 1], prevLen[columns - 1]);
    }

    /// <summary>
    /// The cheapest monotone path itself, from (0, 0) to (rows−1, columns−1): the cells it visits, in
    /// order. Same steps as <see cref="Align"/>; on equal cost the diagonal step wins.
    /// </summary>
    public static (int Row, int Column)[] Path(ReadOnlySpan<double> cost, int rows, int columns)
    {
        if (rows < 1 || columns < 1) throw new ArgumentException($"need at least one row and one column, got {rows} and {columns}");
        if (cost.Length != (long)rows * columns)
            throw new ArgumentException($"a {rows}×{columns} cost matrix has {(long)rows * columns} cells, got {cost.Length}");
        var acc = new double[cost.Length];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                double c = cost[i * columns + j];
                if (double.IsNaN(c)) throw new ArgumentException($"the cost at ({i}, {j}) is NaN");
                double best = i == 0 && j == 0 ? 0 : double.PositiveInfinity;
                if (i > 0 && j > 0) best = acc[(i - 1) * columns + j - 1];
                if (i > 0) best = Math.Min(best, acc[(i - 1) * columns + j]);
                if (j > 0) best = Math.Min(best, acc[i * columns + j - 1]);
                acc[i * columns + j] = best + c;
            }
        }
        var path = new List<(int, int)>(rows + columns);
        int r = rows - 1, k = columns - 1;
        path.Add((r, k));
        while (r > 0 || k > 0)
        {
            if (r == 0) k--;
            else if (k == 0) r--;
            else
            {
                double diagonal = acc[(r - 1) * columns + k - 1], up = acc[(r - 1) * columns + k], left = acc[r * columns + k - 1];
                if (diagonal <= up && diagonal <= left) { r--; k--; }
                else if (up <= left) r--;
                else k--;
            }
            path.Add((r, k));
        }
        path.Reverse();
        return [.. path];
    }
}
