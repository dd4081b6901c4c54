import CLibGit2

/// One clone or fetch as libgit2's callbacks see it. libgit2 asks for credentials again
/// after every rejection, so this remembers what it already offered and gives up (with
/// `GIT_EAUTH`) instead of looping: the ssh-agent once, the URL's user/password once.
/// TLS and host-key checks stay libgit2's own: the certificate callback only defers.
final class RemoteSession {
    let location: RemoteLocation
    private var offeredUsername = false
    private var offeredAgent = false
    private var offeredPassword = false
    private var gaveUp = false

    init(_ location: RemoteLocation) {
        self.location = location
    }

    /// Points `callbacks` at this session. The session must outlive the libgit2 call.
    func install(into callbacks: inout git_remote_callbacks) {
        callbacks.credentials = { out, _, usernameFromURL, allowed, payload in
            guard let out, let payload else { return GIT_PASSTHROUGH.rawValue }
            let session = Unmanaged<RemoteSession>.fromOpaque(payload).takeUnretainedValue()
            return session.credential(out, usernameFromURL: String(libgit2: usernameFromURL), allowed: allowed)
        }
        // GIT_PASSTHROUGH: "no opinion", libgit2 keeps its own verdict on the certificate.
        callbacks.certificate_check = { _, _, _, _ in GIT_PASSTHROUGH.rawValue }
        callbacks.payload = Unmanaged.passUnretained(self).toOpaque()
    }

    private func credential(
        _ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>, usernameFromURL: String?, allowed: UInt32
    ) -> Int32 {
        let username = usernameFromURL ?? location.username ?? "git"
        if allowed & GIT_CREDENTIAL_USERNAME.rawValue != 0, !offeredUsername {
            offeredUsername = true
            return git_credential_username_new(out, username)
        }
        if allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0, !offeredAgent {
            offeredAgent = true
            return git_credential_ssh_key_from_agent(out, username)
        }
        if allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue != 0, !offeredPassword,
            let user = location.username
        {
            offeredPassword = true
            return git_credential_userpass_plaintext_new(out, user, location.password ?? "")
        }
        gaveUp = true
        let outcome = offeredAgent || offeredPassword ? "the credentials offered were rejected" : "no credentials to offer"
        git_error_set_str(Int32(GIT_ERROR_NET.rawValue), "remote authentication required; \(outcome)")
        return GIT_EAUTH.rawValue
    }

    /// Sorts a failed clone/fetch call: authentication problems (ours, libgit2's HTTP 401
    /// handling, ssh) become `.authenticationFailed`; all messages are scrubbed of secrets.
    func classify(_ failure: LibGit2Failure) -> GitError {
        let message = location.redact(failure.message)
        let lowered = message.lowercased()
        let authentication =
            gaveUp || failure.code == GIT_EAUTH.rawValue
            || ["authentication required", "authentication replays", "error authenticating"].contains {
                lowered.contains($0)
            }
        if authentication { return .authenticationFailed(url: location.url, message: message) }
        return .libgit2(call: failure.call, message: message)
    }
}
