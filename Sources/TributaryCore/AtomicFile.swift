// The one file of TributaryCore that makes system calls directly: Foundation's atomic write neither fsyncs the
// file nor the folder, and feeds.json must survive a crash or power cut at any moment.
#if canImport(Glibc)
    import Glibc

    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    import Darwin

    private let systemWrite = Darwin.write
#endif

/// Replaces files atomically and durably: a temp file in the same folder, fsync, rename, fsync of the folder.
enum AtomicFile {
    /// Writes `bytes` to `path`, so that a reader sees either the old file or the new one, never a mix.
    ///
    /// The new file keeps the old one's permission bits (feeds.json may be private). Nothing is left behind
    /// when a step fails.
    /// - Throws: `ConfigError` naming the step and the system's reason.
    static func write(_ bytes: [UInt8], to path: String) throws(ConfigError) {
        let folder = Self.folder(of: path)
        var status = stat()
        let mode: mode_t = stat(path, &status) == 0 ? status.st_mode & 0o7777 : 0o644
        let temporary = "\(folder)/.\(Self.fileName(of: path)).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw ConfigError("\(path): cannot create a temporary file in \(folder): \(Self.lastError())")
        }
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = "cannot write \(temporary): \(Self.lastError())"
                    return
                }
                offset += written
            }
        }
        if failure == nil, fchmod(descriptor, mode) != 0 { failure = "cannot set permissions: \(Self.lastError())" }
        if failure == nil, fsync(descriptor) != 0 { failure = "cannot fsync \(temporary): \(Self.lastError())" }
        if close(descriptor) != 0, failure == nil { failure = "cannot close \(temporary): \(Self.lastError())" }
        if failure == nil, rename(temporary, path) != 0 {
            failure = "cannot rename the temporary file over \(path): \(Self.lastError())"
        }
        if let failure {
            unlink(temporary)
            throw ConfigError("\(path): \(failure)")
        }
        // The rename is only durable once the folder's entry is on disk.
        let folderDescriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderDescriptor >= 0 {
            fsync(folderDescriptor)
            close(folderDescriptor)
        }
    }

    /// Creates a file that must not exist yet (`tributary init`), durably.
    /// - Throws: `ConfigError` when it exists already or cannot be written.
    static func create(_ bytes: [UInt8], at path: String) throws(ConfigError) {
        if access(path, F_OK) == 0 { throw ConfigError("\(path) already exists; nothing was changed") }
        try write(bytes, to: path)
    }

    private static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let folder = String(path[..<slash])
        return folder.isEmpty ? "/" : folder
    }

    private static func fileName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    private static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
