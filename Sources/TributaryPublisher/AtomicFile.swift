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
        if let existing = FileManager.default.contents(atPath: path), existing.elementsEqual(bytes) {
            return .unchanged
        }
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

    /// Flushes a folder's entries. Failure is not reported: the file itself is already safe, only the rename
    /// might be replayed after a crash, and some file systems refuse fsync on folders.
    private static func syncFolder(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        _ = close(descriptor)
    }
}
