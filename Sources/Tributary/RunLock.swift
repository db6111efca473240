import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive `flock` on a file next to the state, held for a whole run so two runs never write the store or
/// the outputs at once. The kernel drops the lock when the process dies, however it dies, so a killed run never
/// leaves a stale lock behind.
final class RunLock {
    private let descriptor: Int32
    let path: String

    /// Takes the lock without waiting.
    ///
    /// - Throws: `TributaryError.locked` when another process holds it, or an I/O error naming the file.
    init(path: String) throws(TributaryError) {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw TributaryError.fatal("cannot create the state folder \(directory): \(error)")
            }
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw TributaryError.fatal("cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK {
                throw TributaryError.locked(path)
            }
            throw TributaryError.fatal("cannot lock \(path): \(String(cString: strerror(code)))")
        }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

@available(*, unavailable)
extension RunLock: Sendable {}
