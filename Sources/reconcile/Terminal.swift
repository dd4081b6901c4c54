import Foundation

/// What the terminal on stdout can do: colour only on a TTY and never with NO_COLOR.
enum Terminal {
    static var wantsColor: Bool {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    /// Columns of the terminal, or 100 when stdout is not one.
    static var width: Int {
        var size = winsize()
        if isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 40 {
            return Int(size.ws_col)
        }
        return 100
    }
}
