import Foundation
import GitStore
import TestSupport
import Testing

@Suite("Reading files at a commit")
struct ReadTests {
    @Test("readFile returns the committed bytes, whatever the work tree holds")
    func committedContentDespiteWorkTree() throws {
        let scratch = try ScratchRepository()
        let sha = try scratch.commit(["manifests/prod.yaml": "name: committed\n", "other.txt": "x\n"])
        let repository = try GitRepository.open(at: scratch.path)
        let commit = try repository.resolve("HEAD")
        #expect(commit.hex == sha)

        try scratch.directory.write("manifests/prod.yaml", "name: dirty\n")
        #expect(try repository.readFile("manifests/prod.yaml", at: commit) == Data("name: committed\n".utf8))
        try scratch.git("add", "manifests/prod.yaml")
        #expect(try repository.readFile("manifests/prod.yaml", at: commit) == Data("name: committed\n".utf8))

        try FileManager.default.removeItem(atPath: scratch.directory.file("other.txt"))
        #expect(try repository.readFile("other.txt", at: commit) == Data("x\n".utf8))
        #expect(try repository.readFile("./manifests/prod.yaml", at: commit) == Data("name: committed\n".utf8))
    }

    @Test("readFile returns binary content byte for byte, and empty files as empty data")
    func binaryAndEmpty() throws {
        let scratch = try ScratchRepository()
        let bytes = Data((0...255).map { UInt8($0) } + [0, 0, 10])
        try bytes.write(to: URL(fileURLWithPath: scratch.directory.file("blob.bin")))
        try scratch.commit(["empty": ""])
        let repository = try GitRepository.open(at: scratch.path)
        let commit = try repository.resolve("main")
        #expect(try repository.readFile("blob.bin", at: commit) == bytes)
        #expect(try repository.readFile("empty", at: commit).isEmpty)
    }

    @Test("a file added later is .noSuchPath at the earlier commit and readable at the later one")
    func pathOnlyAtLaterCommit() throws {
        let scratch = try ScratchRepository()
        let earlier = try scratch.commit(["README": "r\n"])
        let later = try scratch.commit(["manifests/prod.yaml": "name: later\n"])
        let repository = try GitRepository.open(at: scratch.path)
        let laterID = try repository.resolve(later)
        let earlierID = try repository.resolve(earlier)
        #expect(try repository.readFile("manifests/prod.yaml", at: laterID) == Data("name: later\n".utf8))

        let error = try #require(throws: GitError.self) { try repository.readFile("manifests/prod.yaml", at: earlierID) }
        guard case .noSuchPath("manifests/prod.yaml", earlier, let message) = error else {
            Issue.record("expected noSuchPath at \(earlier), got \(error)")
            return
        }
        #expect(message.contains("manifests"))
        #expect(error.description == "no 'manifests/prod.yaml' at commit \(earlier.prefix(12)): \(message)")
    }

    @Test("reading a directory, or a file of a missing directory, is .noSuchPath")
    func directoriesAndMissingParents() throws {
        let scratch = try ScratchRepository()
        let sha = try scratch.commit(["manifests/prod.yaml": "a\n"])
        let repository = try GitRepository.open(at: scratch.path)
        let commit = try repository.resolve(sha)
        for path in ["manifests", "nowhere/prod.yaml", "manifests/prod.yaml/deeper"] {
            #expect {
                try repository.readFile(path, at: commit)
            } throws: { error in
                guard case .noSuchPath(path, sha, _)? = error as? GitError else { return false }
                return true
            }
        }
    }

    @Test("a commit id this repository does not have is .unknownRef")
    func foreignCommit() throws {
        let scratch = try ScratchRepository()
        try scratch.commit(["a": "a\n"])
        let repository = try GitRepository.open(at: scratch.path)
        let foreign = try #require(GitObjectID(hex: String(repeating: "ab", count: 20)))
        #expect {
            try repository.readFile("a", at: foreign)
        } throws: { error in
            guard case .unknownRef(foreign.hex, _)? = error as? GitError else { return false }
            return true
        }
    }

    @Test("listFiles lists only that ref's blobs directly in the directory, sorted")
    func listFilesAtRef() throws {
        let scratch = try ScratchRepository()
        try scratch.commit([
            "manifests/zeta.yaml": "z\n", "manifests/alpha.yaml": "a\n", "manifests/mid.yaml": "m\n",
            "manifests/nested/deep.yaml": "d\n", "top.yaml": "t\n",
        ])
        try scratch.git("tag", "v1")
        try scratch.commit(["manifests/alpha.yaml": nil, "manifests/beta.yaml": "b\n"])
        try scratch.directory.write("manifests/untracked.yaml", "u\n")
        let repository = try GitRepository.open(at: scratch.path)

        let v1 = try repository.resolve("v1")
        let head = try repository.resolve("HEAD")
        #expect(
            try repository.listFiles(in: "manifests/", at: v1)
                == ["manifests/alpha.yaml", "manifests/mid.yaml", "manifests/zeta.yaml"])
        #expect(
            try repository.listFiles(in: "manifests", at: head)
                == ["manifests/beta.yaml", "manifests/mid.yaml", "manifests/zeta.yaml"])
        #expect(try repository.listFiles(in: "", at: head) == ["top.yaml"])
    }

    @Test("listFiles of a directory absent at that commit, or of a file, is .noSuchPath")
    func listFilesMissing() throws {
        let scratch = try ScratchRepository()
        let first = try scratch.commit(["README": "r\n"])
        try scratch.commit(["manifests/a.yaml": "a\n"])
        let repository = try GitRepository.open(at: scratch.path)
        for (directory, ref) in [("manifests", first), ("README", "HEAD"), ("manifests/a.yaml", "HEAD")] {
            let commit = try repository.resolve(ref)
            #expect {
                try repository.listFiles(in: directory, at: commit)
            } throws: { error in
                guard case .noSuchPath(directory, commit.hex, _)? = error as? GitError else { return false }
                return true
            }
        }
    }

    @Test("8 concurrent tasks read and resolve through one repository")
    func concurrentReads() async throws {
        let scratch = try ScratchRepository()
        var files: [String: String?] = [:]
        for index in 0..<50 { files["manifests/file\(index).yaml"] = "index: \(index)\n" }
        try scratch.commit(files)
        let repository = try GitRepository.open(at: scratch.path)
        let results = try await withThrowingTaskGroup(of: [Data].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var read: [Data] = []
                    for _ in 0..<25 {
                        let commit = try repository.resolve("main")
                        read.append(try repository.readFile("manifests/file7.yaml", at: commit))
                        _ = try repository.listFiles(in: "manifests", at: commit)
                    }
                    return read
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(results.count == 200)
        #expect(Set(results) == [Data("index: 7\n".utf8)])
    }
}
