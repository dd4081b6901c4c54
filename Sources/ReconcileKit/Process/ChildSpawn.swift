import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How one child is started: `posix_spawn` with everything a child of reconcile must
/// not inherit taken away. Separate from the waiting (``RunningChild``) because this
/// part is all C: attributes, file actions and the argument vectors.
struct ChildSpawn {
    let executable: String
    let arguments: [String]
    let environment: [String: String]
    let workingDirectory: String
    let stdin: Data
    /// Where stdout and stderr go: nil for pipes read by the caller, else a file both
    /// are appended to (a server left running: nothing has to read it).
    var outputFile: String? = nil

    /// The started child: its pid (also its process group id) and the read ends of its
    /// stdout and stderr pipes (close-on-exec, owned by the caller; -1 with an output file).
    struct Started {
        let pid: pid_t
        let stdout: Int32
        let stderr: Int32
    }

    /// Starts the child in a new process group (its pid is the group id), with an empty
    /// signal mask, every signal at its default disposition, stdin from an unlinked
    /// file, stdout and stderr into pipes (or the output file), every other descriptor
    /// closed, and `workingDirectory` as its directory.
    func start() throws(Subprocess.LaunchFailure) -> Started {
        let input = try Self.unlinkedFile(containing: stdin)
        defer { close(input) }
        if let outputFile {
            let output = open(outputFile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard output >= 0 else {
                throw Subprocess.LaunchFailure("cannot open \(outputFile): \(String(cString: strerror(errno)))")
            }
            defer { close(output) }
            return Started(pid: try spawn(stdin: input, stdout: output, stderr: output), stdout: -1, stderr: -1)
        }
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard Self.pipe(&outPipe) else {
            throw Subprocess.LaunchFailure("cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        guard Self.pipe(&errPipe) else {
            let code = errno
            close(outPipe[0])
            close(outPipe[1])
            throw Subprocess.LaunchFailure("cannot create a pipe: \(String(cString: strerror(code)))")
        }
        defer {
            close(outPipe[1])
            close(errPipe[1])
        }
        do {
            return Started(pid: try spawn(stdin: input, stdout: outPipe[1], stderr: errPipe[1]), stdout: outPipe[0], stderr: errPipe[0])
        } catch {
            close(outPipe[0])
            close(errPipe[0])
            throw error
        }
    }

    /// `posix_spawn` with these three descriptors as the child's standard streams.
    private func spawn(stdin input: Int32, stdout: Int32, stderr: Int32) throws(Subprocess.LaunchFailure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        Self.closeInheritedDescriptors(&actions)
        guard Self.changeDirectory(&actions, to: workingDirectory) else {
            throw Subprocess.LaunchFailure("this C library cannot set a child's directory (glibc 2.29 or newer is needed)")
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        sigdelset(&allSignals, SIGKILL)
        sigdelset(&allSignals, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] =
            environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        // glibc reports a failed exec (no such file, not executable, no such directory)
        // as posix_spawn's result, so a launch failure never looks like an exit status.
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            let reason = String(cString: strerror(spawned))
            throw Subprocess.LaunchFailure(reason: reason, description: "cannot start \(executable): \(reason)")
        }
        return pid
    }

    /// `waitpid`'s status as a shell reports it: the exit status, or 128 + the signal that
    /// ended the process (and that signal).
    static func decode(waitStatus: Int32) -> (status: Int32, signal: Int32?) {
        let signal = waitStatus & 0x7f
        return signal == 0 ? ((waitStatus >> 8) & 0xff, nil) : (128 + signal, signal)
    }

    /// A descriptor of a file holding `data`, already unlinked: only it refers to the file.
    static func unlinkedFile(containing data: Data) throws(Subprocess.LaunchFailure) -> Int32 {
        let template = (NSTemporaryDirectory() as NSString).appendingPathComponent("reconcile-stdin-XXXXXX")
        var bytes = Array(template.utf8CString)
        let fd = mkstemp(&bytes)
        if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        guard fd >= 0 else { throw Subprocess.LaunchFailure("cannot create a temporary file: errno \(errno)") }
        unlink(String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        let written = data.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let count = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
        guard written, lseek(fd, 0, SEEK_SET) == 0 else {
            let code = errno
            close(fd)
            throw Subprocess.LaunchFailure("cannot write a temporary file: errno \(code)")
        }
        return fd
    }

    /// A pipe whose ends are close-on-exec (`pipe2` is not visible to Swift's Glibc
    /// module; a child spawned meanwhile elsewhere closes every descriptor above 2 anyway).
    static func pipe(_ ends: inout [Int32]) -> Bool {
        guard Glibc.pipe(&ends) == 0 else { return false }
        for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    /// Every descriptor from 3 up is closed in the child: glibc's closefrom action (2.34+;
    /// not visible to Swift's Glibc module, hence dlsym), else one close per descriptor
    /// open now (reconcile opens its own with close-on-exec).
    static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            if unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3) == 0 { return }
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap({ Int32($0) }) where fd >= 3 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
    }

    /// The child's working directory, set in the child (glibc 2.29+'s chdir action, looked
    /// up like closefrom) so reconcile's own directory never changes.
    static func changeDirectory(_ actions: inout posix_spawn_file_actions_t, to directory: String) -> Bool {
        typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np") else {
            return false
        }
        return unsafeBitCast(symbol, to: AddChdir.self)(&actions, directory) == 0
    }
}
