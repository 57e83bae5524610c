/// Area under the ROC curve by the Mann–Whitney statistic with mid-ranks for ties (the
/// probability that a random positive scores above a random negative, ties counting ½).
/// Returns nil when either class is absent. (The `Evaluation` module has the full ROC machinery;
/// the trainer only needs this number and must not depend on it.)
public func rocAUC(scores: [Double], labels: [Int]) -> Double? {
    precondition(scores.count == labels.count)
    let pos = labels.filter { $0 == 1 }.count, neg = labels.count - pos
    guard pos > 0, neg > 0 else { return nil }
    let order = scores.indices.sorted { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    var rankSumPos = 0.0
    var i = 0
    while i < order.count {
        var j = i
        while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
        let midRank = Double(i + j + 2) / 2   // ranks are 1-based
        for k in i...j where labels[order[k]] == 1 { rankSumPos += midRank }
        i = j + 1
    }
    return (rankSumPos - Double(pos) * Double(pos + 1) / 2) / (Double(pos) * Double(neg))
}
