extension Collection {
    /// `allSatisfy` that fails on an empty collection: "every finding is ok" must not
    /// pass when there are no findings at all.
    public func nonEmptyAllSatisfy(_ predicate: (Element) throws -> Bool) rethrows -> Bool {
        try !isEmpty && allSatisfy(predicate)
    }
}
