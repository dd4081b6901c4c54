/// Which resources of an ordered group (``DesiredResource/orderedWithin``: a site's routes)
/// the head moved among those both sides have. Swapping two Caddy routes edits no field,
/// yet the first that matches answers: without this the plan would say "No changes".
///
/// Only the fewest moves that explain the new order are reported: the resources outside a
/// longest run both sides keep in the same relative order (an insertion above the others
/// moves none of them; swapping two routes moves one).
enum ResourceMoves {
    /// The `order` field change (`2 of 2 → 1 of 2`, positions in the whole group of each
    /// side) of each moved resource, by its key.
    static func orderChanges(_ old: [DesiredResource], _ new: [DesiredResource]) -> [String: DesiredStateDiff.FieldChange] {
        let before = groups(old)
        var moves: [String: DesiredStateDiff.FieldChange] = [:]
        for (group, newKeys) in groups(new) {
            guard let oldKeys = before[group] else { continue }
            let oldIndex = Dictionary(uniqueKeysWithValues: oldKeys.enumerated().map { ($1, $0) })
            let common = newKeys.enumerated().compactMap { position, key in
                oldIndex[key].map { (key: key, new: position, old: $0) }
            }
            let kept = longestIncreasing(common.map(\.old))
            for (index, resource) in common.enumerated() where !kept.contains(index) {
                moves[resource.key] = DesiredStateDiff.FieldChange(
                    name: "order", old: "\(resource.old + 1) of \(oldKeys.count)", new: "\(resource.new + 1) of \(newKeys.count)")
            }
        }
        return moves
    }

    /// Each group's keys in declaration order, a key declared twice counted once.
    static func groups(_ resources: [DesiredResource]) -> [String: [String]] {
        var groups: [String: [String]] = [:]
        var seen: Set<String> = []
        for resource in resources {
            guard let group = resource.orderedWithin, seen.insert(resource.key).inserted else { continue }
            groups[group, default: []].append(resource.key)
        }
        return groups
    }

    /// The indices of a longest strictly increasing subsequence (patience sorting,
    /// O(n log n): a site of thousands of routes stays cheap).
    static func longestIncreasing(_ values: [Int]) -> Set<Int> {
        var tails: [Int] = [] // indices into values: the smallest tail of each length
        var previous = [Int](repeating: -1, count: values.count)
        for (index, value) in values.enumerated() {
            var low = 0
            var high = tails.count
            while low < high {
                let middle = (low + high) / 2
                if values[tails[middle]] < value { low = middle + 1 } else { high = middle }
            }
            if low > 0 { previous[index] = tails[low - 1] }
            if low == tails.count { tails.append(index) } else { tails[low] = index }
        }
        var kept: Set<Int> = []
        var index = tails.last ?? -1
        while index >= 0 {
            kept.insert(index)
            index = previous[index]
        }
        return kept
    }
}
