import Foundation

/// The two sides of a changed value as a plan may print them. When two values differ only
/// in what is masked (a URL whose password alone changed), both sides would print the same
/// `http://***@db/app`, and a reviewer would be shown a change between two equal strings.
/// So each masked part of the new side whose secret differs from the old side's reads
/// `***(changed)`: the change shows and the secret does not. No digest of the secret is
/// printed: a password is often guessable, and its hash would let anyone test guesses.
extension SecretMask {
    /// What marks a masked part whose secret changed.
    public static let changedMark = Redaction.mask + "(changed)"

    /// `old` and `new` masked, with the masked parts that changed marked when the masked
    /// texts would otherwise be equal.
    public func maskChange(old: String?, new: String?) -> (old: String?, new: String?) {
        let maskedOld = old.map(mask)
        let maskedNew = new.map(mask)
        guard let old, let new, let maskedOld, let maskedNew, old != new, maskedOld == maskedNew else {
            return (maskedOld, maskedNew)
        }
        let literals = maskedNew.components(separatedBy: Redaction.mask)
        guard literals.count > 1 else { return (maskedOld, maskedNew) }
        // Which masked parts changed; every part when the texts cannot be split apart.
        let changed: [Bool]
        if let oldParts = Self.maskedParts(of: old, around: literals), let newParts = Self.maskedParts(of: new, around: literals),
            zip(oldParts, newParts).contains(where: { $0 != $1 })
        {
            changed = zip(oldParts, newParts).map { $0 != $1 }
        } else {
            changed = Array(repeating: true, count: literals.count - 1)
        }
        var marked = literals[0]
        for (index, literal) in literals.dropFirst().enumerated() {
            marked += (changed[index] ? Self.changedMark : Redaction.mask) + literal
        }
        return (maskedOld, marked)
    }

    /// The texts `original` holds where its masked form has `***`, given the masked form's
    /// text between the masks; nil when `original` does not split that way.
    static func maskedParts(of original: String, around literals: [String]) -> [Substring]? {
        guard let first = literals.first, let last = literals.last, original.hasPrefix(first) else { return nil }
        var position = original.index(original.startIndex, offsetBy: first.count)
        var parts: [Substring] = []
        for literal in literals.dropFirst().dropLast() {
            guard !literal.isEmpty, let found = original.range(of: literal, range: position..<original.endIndex) else { return nil }
            parts.append(original[position..<found.lowerBound])
            position = found.upperBound
        }
        guard original[position...].hasSuffix(last) else { return nil }
        parts.append(original[position..<original.index(original.endIndex, offsetBy: -last.count)])
        return parts
    }
}
