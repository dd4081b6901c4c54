import Foundation

/// Where a secret the manifest refers to comes from: an environment variable or a file,
/// never the manifest itself (a health check's bearer token, a webhook's URL).
public enum TokenSource: Sendable, Hashable {
    case environment(String)
    case file(String)

    /// Why a secret could not be read; names the variable or file, never the secret.
    public struct Problem: Error, Sendable {
        public let reason: String
    }

    /// The secret, trimmed. `calling` names it in problems ("token", "webhook URL").
    public func read(environment: [String: String], calling noun: String) -> Result<String, Problem> {
        switch self {
        case .environment(let name):
            guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
                return .failure(Problem(reason: "the environment variable \(name) is not set"))
            }
            return .success(value)
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                return .failure(Problem(reason: "the \(noun) file \(path) cannot be read"))
            }
            let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { return .failure(Problem(reason: "the \(noun) file \(path) is empty")) }
            return .success(value)
        }
    }
}
