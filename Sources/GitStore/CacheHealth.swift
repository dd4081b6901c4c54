import CLibGit2

/// Judges whether a cached clone can be used as it is, so a clone broken on disk (an
/// emptied config, garbage in a pack) is cloned again instead of making every later run
/// blame the remote ("remote 'origin' does not exist") or the ref ("unknown ref").
///
/// Each check returns the reason in words, or nil when the clone passes. Reading the
/// object every reference points to (and a commit's root tree) is the cheap proxy for
/// the object database's health: a corrupt pack or a missing object shows there, since
/// the refs are exactly what a run resolves. Deeper damage (a blob deep in a tree) still
/// shows later as a read error naming the path, never as an unknown ref.
enum CacheHealth {
    /// The clone's `origin` remote when it fetches `location`, else the reason it cannot.
    static func origin(of repository: GitHandle, fetching location: RemoteLocation) -> Result<GitHandle, Unusable> {
        guard
            let remote = try? GitHandle.make(
                "git_remote_lookup", free: git_remote_free, { git_remote_lookup(&$0, repository.pointer, "origin") })
        else { return .failure(Unusable("it has no remote 'origin'")) }
        let stored = String(libgit2: git_remote_url(remote.pointer)) ?? ""
        guard stored == location.url else {
            return .failure(Unusable("its origin is '\(location.redact(stored))', not '\(location.url)'"))
        }
        return .success(remote)
    }

    /// Why some reference's object cannot be read, or nil when all can.
    static func unreadableReference(in repository: GitHandle) -> Unusable? {
        let iterator: GitHandle
        do {
            iterator = try GitHandle.make("git_reference_iterator_new", free: git_reference_iterator_free) {
                git_reference_iterator_new(&$0, repository.pointer)
            }
        } catch { return Unusable("its references cannot be listed: \(error)") }
        while true {
            var next: OpaquePointer?
            let code = git_reference_next(&next, iterator.pointer)
            if code == GIT_ITEROVER.rawValue { return nil }
            guard code == 0, let next else {
                return Unusable("its references cannot be listed: \(LibGit2Failure(call: "git_reference_next", code: code).message)")
            }
            let reference = GitHandle(owning: next, free: git_reference_free)
            if let problem = unreadableTarget(of: reference, in: repository) { return problem }
        }
    }

    /// Reads what a direct reference points to (peeled past tags), and a commit's tree.
    /// Symbolic references are skipped: their targets are checked as references themselves.
    /// Looked up by id rather than peeled from the reference, so the message is the object
    /// database's own ("invalid pack file", "object not found").
    private static func unreadableTarget(of reference: GitHandle, in repository: GitHandle) -> Unusable? {
        guard git_reference_type(reference.pointer) == GIT_REFERENCE_DIRECT,
            let target = git_reference_target(reference.pointer)
        else { return nil }
        let name = String(libgit2: git_reference_name(reference.pointer)) ?? "?"
        do {
            var object = try GitHandle.make("git_object_lookup", free: git_object_free) {
                git_object_lookup(&$0, repository.pointer, target, GIT_OBJECT_ANY)
            }
            // GIT_OBJECT_ANY peels a tag to what it tags (all the way), and a commit to its tree.
            if git_object_type(object.pointer) == GIT_OBJECT_TAG { object = try peeled(object) }
            if git_object_type(object.pointer) == GIT_OBJECT_COMMIT { _ = try peeled(object) }
            return nil
        } catch {
            return Unusable("\(name) cannot be read: \(error)")
        }
    }

    private static func peeled(_ object: GitHandle) throws(GitError) -> GitHandle {
        try GitHandle.make("git_object_peel", free: git_object_free) {
            git_object_peel(&$0, object.pointer, GIT_OBJECT_ANY)
        }
    }

    /// Why a cached clone cannot be used, in words for the user.
    struct Unusable: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
