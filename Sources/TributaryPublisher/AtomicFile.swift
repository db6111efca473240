import Foundation

#if canImport(Glibc)
    import Glibc

    /// write(2), named apart from `AtomicFile.write`.
    private func posixWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        Glibc.write(descriptor, bytes, count)
    }
#elseif canImport(Darwin)
    import Darwin

    /// write(2), named apart from `AtomicFile.write`.
    private func posixWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        Darwin.write(descriptor, bytes, count)
    }
#endif

/// Replaces files so that a reader (a web server, a crash) only ever sees the old bytes or the new ones.
///
/// The new bytes go to a temporary file in the same folder, are flushed to disk, and are renamed over the old
/// file; then the folder itself is flushed so the rename survives a power cut. When the file already holds
/// exactly these bytes nothing is touched, so its modification time, and a web server's ETag and Last-Modified
/// with it, stay valid.
enum AtomicFile {
    /// What `write` did.
    enum Outcome: Equatable {
        case written
        case unchanged
    }

    /// - Throws: `PublishError` naming the file when it cannot be written; the old file is then still in place.
    static func write(_ bytes: [UInt8], to url: URL) throws(PublishError) -> Outcome {
        let path = url.path
        if hasSameBytes(path, bytes) { return .unchanged }
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw PublishError.cannotWrite(path, reason: "cannot create its folder: \(error.localizedDescription)")
        }
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw PublishError.cannotWrite(path, reason: String(cString: strerror(errno)))
        }
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count, let base = buffer.baseAddress {
                let count = posixWrite(descriptor, base + offset, buffer.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += count
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        if close(descriptor) != 0, failure == nil { failure = String(cString: strerror(errno)) }
        if failure == nil, rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw PublishError.cannotWrite(path, reason: failure)
        }
        syncFolder(folder.path)
        return .written
    }

    /// True when the file at `path` holds exactly `bytes`. Reads in blocks, so comparing a large feed costs no
    /// second copy of it in memory, and stops at the size or the first differing block.
    private static func hasSameBytes(_ path: String, _ bytes: [UInt8]) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, Int(status.st_size) == bytes.count else { return false }
        let blockSize = 1 << 20
        var block = [UInt8](repeating: 0, count: blockSize)
        var offset = 0
        return bytes.withUnsafeBytes { expected in
            block.withUnsafeMutableBytes { buffer in
                guard let blockBase = buffer.baseAddress else { return false }
                while offset < expected.count {
                    let wanted = min(blockSize, expected.count - offset)
                    let count = read(descriptor, blockBase, wanted)
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0, let expectedBase = expected.baseAddress,
                        memcmp(blockBase, expectedBase + offset, count) == 0
                    else { return false }
                    offset += count
                }
                return read(descriptor, blockBase, 1) == 0
            }
        }
    }

    /// Flushes a folder's entries. Failure is not reported: the file itself is already safe, only the rename
    /// might be replayed after a crash, and some file systems refuse fsync on folders.
    private static func syncFolder(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        _ = close(descriptor)
    }
}
