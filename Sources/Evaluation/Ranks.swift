/// Midranks ("average ranks") used by the Mann–Whitney AUC and the fast DeLong algorithm.
enum Ranks {
    /// The 1-based midranks of `values`: tied values share the mean of the ranks they occupy.
    /// O(n log n). Ties are detected with `==`; values must be finite (checked by callers).
    static func midranks(_ values: [Double]) -> [Double] {
        let n = values.count
        var order = Array(0..<n)
        // Index as secondary key: the sort is total, so the result never depends on sort stability.
        order.sort { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var ranks = [Double](repeating: 0, count: n)
        var i = 0
        while i < n {
            var j = i
            while j + 1 < n && values[order[j + 1]] == values[order[i]] { j += 1 }
            // positions i...j (0-based) hold ranks i+1...j+1; their mean is (i+j)/2 + 1.
            let mid = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = mid }
            i = j + 1
        }
        return ranks
    }
}
