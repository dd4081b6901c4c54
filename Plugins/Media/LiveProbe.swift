import Foundation
import ReconcileKit

/// The live proof of a media chain: fetch a file that exists under `host_path` through
/// Caddy at `served_at` and compare the bytes. In a dry run it only reads (an existing
/// file); with `--probe-write` it writes a uniquely named probe file, fetches it and
/// deletes it, so it works on an empty media directory too.
enum LiveProbe {
    static func run(chain: MediaSpec.Chain, route: Fact<RouteFact?>, context: ObservationContext) async -> Fact<LiveProof> {
        guard case .observed(let fact) = route else {
            return .unknown("Caddy's routes were not observed, so there is no address to fetch through")
        }
        guard let baseURL = fact?.baseURL else {
            return .unknown("no Caddy server listens for \(chain.servedAt), so nothing can be fetched through it")
        }
        if context.allowsProbeWrites {
            return await withProbeFile(in: chain.hostPath) { relative, bytes in
                await fetch(
                    chain: chain, baseURL: baseURL, host: fact?.host, relative: relative, expected: bytes,
                    wroteProbe: true, context: context)
            }
        }
        guard let (relative, bytes) = existingFile(under: chain.hostPath) else {
            return .unknown(
                "no file under \(chain.hostPath) to fetch (empty, unreadable or not on this host); run without "
                    + "--dry-run and with --probe-write to write a probe file")
        }
        return await fetch(
            chain: chain, baseURL: baseURL, host: fact?.host, relative: relative, expected: bytes,
            wroteProbe: false, context: context)
    }

    static func fetch(
        chain: MediaSpec.Chain, baseURL: String, host: String?, relative: String, expected: Data, wroteProbe: Bool,
        context: ObservationContext
    ) async -> Fact<LiveProof> {
        let encoded = relative.split(separator: "/").map {
            $0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? String($0)
        }.joined(separator: "/")
        let url = baseURL + ChainFacts.joined(chain.servedAt, encoded)
        let request = HTTPRequest(
            url: url, headers: host.map { [HTTPHeader("Host", $0)] } ?? [], timeout: .seconds(5),
            maxBodyBytes: expected.count + 1)
        let file = ChainFacts.joined(chain.hostPath, relative)
        let outcome: LiveProof.Outcome
        do {
            let response = try await context.http.send(request)
            if response.status != 200 {
                outcome = .status(response.status)
            } else if response.body != expected {
                outcome = .differentBytes(response.body.count)
            } else {
                outcome = .served
            }
        } catch {
            outcome = .failed(error.description)
        }
        return .observed(LiveProof(url: url, file: file, wroteProbe: wroteProbe, outcome: outcome))
    }

    /// A small regular file under `root` (breadth first, a bounded walk), as a path
    /// relative to `root` and its bytes.
    static func existingFile(under root: String) -> (String, Data)? {
        let manager = FileManager.default
        var queue = [""]
        var visited = 0
        while !queue.isEmpty, visited < 500 {
            let directory = queue.removeFirst()
            let full = directory.isEmpty ? root : ChainFacts.joined(root, directory)
            guard let names = try? manager.contentsOfDirectory(atPath: full) else { continue }
            for name in names.sorted() where !name.hasPrefix(".") {
                visited += 1
                let relative = directory.isEmpty ? name : "\(directory)/\(name)"
                let path = ChainFacts.joined(root, relative)
                var isDirectory: ObjCBool = false
                guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
                if isDirectory.boolValue {
                    queue.append(relative)
                } else if let size = (try? manager.attributesOfItem(atPath: path))?[.size] as? Int,
                    size > 0, size <= MediaChecker.largestProofFile, let data = manager.contents(atPath: path)
                {
                    return (relative, data)
                }
            }
        }
        return nil
    }

    /// Writes a uniquely named probe file into `root`, runs `body` with it, deletes it.
    static func withProbeFile(
        in root: String, _ body: (String, Data) async -> Fact<LiveProof>
    ) async -> Fact<LiveProof> {
        let name = "reconcile-probe-\(UUID().uuidString.lowercased()).txt"
        let path = ChainFacts.joined(root, name)
        let bytes = Data("reconcile media probe \(name)\n".utf8)
        guard FileManager.default.createFile(atPath: path, contents: bytes) else {
            return .unknown("could not write a probe file into \(root) (missing or not writable on this host)")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        return await body(name, bytes)
    }
}
