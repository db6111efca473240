import Foundation
import TributaryCore
import TributaryFetcher

/// A feed's health record as JSON, written and read without Foundation's coders.
///
/// Every feed a run asks has its record read and written once; with `JSONDecoder` and `JSONEncoder` that was a third
/// of the CPU of a run that got only 304s. The text is what `JSONEncoder` writes for the synthesized `Codable` (nil
/// optionals left out, dates as seconds since the reference date, sets as arrays), so either side reads the other:
/// records stored by earlier versions are read here, and whatever this reader does not expect goes to `JSONDecoder`.
enum HealthJSON {
    // MARK: writing

    /// The record's JSON, or nil when only `JSONEncoder` can say what it should be (a date that is not finite).
    static func encode(_ health: FeedHealth) -> Data? {
        var writer = Writer()
        writer.optional("disabledReason", health.disabledReason)
        writer.integer("errorCount", health.errorCount)
        writer.optional("etag", health.etag)
        writer.optional("lastError", health.lastError)
        writer.optional("lastErrorKind", health.lastErrorKind?.rawValue)
        guard writer.date("lastFetched", health.lastFetched) else { return nil }
        writer.optional("lastModified", health.lastModified)
        if let status = health.lastStatus { writer.integer("lastStatus", status) }
        guard writer.date("lastSuccess", health.lastSuccess), writer.date("nextDue", health.nextDue) else { return nil }
        writer.optional("pendingRedirect", health.pendingRedirect)
        writer.integer("pendingRedirectCount", health.pendingRedirectCount)
        if let schedule = health.schedule {
            writer.key("schedule")
            var inner = Writer()
            inner.key("skipDays")
            inner.list(schedule.skipDays.sorted()) { $0.quote($1) }
            inner.key("skipHours")
            inner.list(schedule.skipHours.sorted()) { $0.raw(String($1).utf8) }
            if let ttl = schedule.ttlMinutes { inner.integer("ttlMinutes", ttl) }
            if let frequency = schedule.updateFrequency { inner.integer("updateFrequency", frequency) }
            inner.optional("updatePeriod", schedule.updatePeriod)
            writer.raw(inner.closed())
        }
        writer.key("unhealthy")
        writer.raw((health.unhealthy ? "true" : "false").utf8)
        return Data(writer.closed())
    }

    /// Writes one JSON object, members in the order they are given (alphabetical, as `.sortedKeys` would), into
    /// bytes: every fetched feed's record is written on every run.
    private struct Writer {
        private var bytes: [UInt8] = [UInt8(ascii: "{")]

        init() {
            bytes.reserveCapacity(384)
        }

        mutating func key(_ name: StaticString) {
            if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            bytes.append(contentsOf: "\":".utf8)
        }

        mutating func raw(_ value: some Sequence<UInt8>) {
            bytes.append(contentsOf: value)
        }

        mutating func optional(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            key(name)
            quote(value)
        }

        mutating func integer(_ name: StaticString, _ value: Int) {
            key(name)
            bytes.append(contentsOf: String(value).utf8)
        }

        /// False when the date cannot be written as a JSON number.
        mutating func date(_ name: StaticString, _ value: Date?) -> Bool {
            guard let value else { return true }
            let seconds = value.timeIntervalSinceReferenceDate
            guard seconds.isFinite else { return false }
            key(name)
            // The shortest text that reads back as the same Double.
            bytes.append(contentsOf: seconds.description.utf8)
            return true
        }

        /// Values written one after another, comma-separated, between brackets.
        mutating func list<Element>(_ values: [Element], _ write: (inout Writer, Element) -> Void) {
            bytes.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                write(&self, value)
            }
            bytes.append(UInt8(ascii: "]"))
        }

        mutating func quote(_ value: String) {
            bytes.append(UInt8(ascii: "\""))
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\\"): bytes.append(contentsOf: "\\\\".utf8)
                case 0x0A: bytes.append(contentsOf: "\\n".utf8)
                case 0x0D: bytes.append(contentsOf: "\\r".utf8)
                case 0x09: bytes.append(contentsOf: "\\t".utf8)
                case 0..<0x20:
                    let hex = String(byte, radix: 16)
                    bytes.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
                default: bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }

        consuming func closed() -> [UInt8] {
            bytes.append(UInt8(ascii: "}"))
            return bytes
        }
    }

    // MARK: reading

    /// The record, or nil when the text is not what `encode` or `JSONEncoder` writes for one.
    static func decode(_ data: Data) -> FeedHealth? {
        var reader = Reader(bytes: [UInt8](data))
        guard case .object(let members)? = reader.document() else { return nil }
        guard let errorCount = members["errorCount"]?.integer, let nextDue = members["nextDue"]?.date,
            case .bool(let unhealthy)? = members["unhealthy"],
            let pendingRedirectCount = members["pendingRedirectCount"]?.integer
        else { return nil }
        var health = FeedHealth(
            errorCount: errorCount, nextDue: nextDue, unhealthy: unhealthy, pendingRedirectCount: pendingRedirectCount)
        guard let lastStatus = members.optional("lastStatus", \.integer),
            let lastError = members.optional("lastError", \.string),
            let kindName = members.optional("lastErrorKind", \.string),
            let lastFetched = members.optional("lastFetched", \.date),
            let lastSuccess = members.optional("lastSuccess", \.date),
            let disabledReason = members.optional("disabledReason", \.string),
            let pendingRedirect = members.optional("pendingRedirect", \.string),
            let etag = members.optional("etag", \.string),
            let lastModified = members.optional("lastModified", \.string)
        else { return nil }
        if let kindName {
            guard let kind = FetchError.Kind(rawValue: kindName) else { return nil }
            health.lastErrorKind = kind
        }
        health.lastStatus = lastStatus
        health.lastError = lastError
        health.lastFetched = lastFetched
        health.lastSuccess = lastSuccess
        health.disabledReason = disabledReason
        health.pendingRedirect = pendingRedirect
        health.etag = etag
        health.lastModified = lastModified
        switch members["schedule"] {
        case nil, .null?:
            break
        case .object(let schedule)?:
            guard case .array(let days)? = schedule["skipDays"], case .array(let hours)? = schedule["skipHours"],
                let ttl = schedule.optional("ttlMinutes", \.integer),
                let frequency = schedule.optional("updateFrequency", \.integer),
                let period = schedule.optional("updatePeriod", \.string)
            else { return nil }
            let dayNames = days.compactMap(\.string)
            let hourNumbers = hours.compactMap(\.integer)
            guard dayNames.count == days.count, hourNumbers.count == hours.count else { return nil }
            health.schedule = ScheduleHints(
                ttlMinutes: ttl, skipHours: Set(hourNumbers), skipDays: Set(dayNames), updatePeriod: period,
                updateFrequency: frequency)
        default:
            return nil
        }
        return health
    }

    /// A parsed JSON value; numbers keep their text, so integers and dates are read the way `JSONDecoder` reads them.
    fileprivate enum Value {
        case null
        case bool(Bool)
        case number(String)
        case string(String)
        case array([Value])
        case object([String: Value])

        var string: String? {
            if case .string(let text) = self { return text }
            return nil
        }

        var integer: Int? {
            if case .number(let text) = self { return Int(text) }
            return nil
        }

        var date: Date? {
            guard case .number(let text) = self, let seconds = Double(text) else { return nil }
            return Date(timeIntervalSinceReferenceDate: seconds)
        }
    }

    /// A small strict JSON reader: enough for a health record, nil at anything it does not understand.
    private struct Reader {
        let bytes: [UInt8]
        var position = 0
        var depth = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        mutating func document() -> Value? {
            guard let value = value() else { return nil }
            skipSpace()
            return position == bytes.count ? value : nil
        }

        private mutating func skipSpace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        private mutating func value() -> Value? {
            skipSpace()
            guard position < bytes.count, depth < 16 else { return nil }
            switch bytes[position] {
            case UInt8(ascii: "{"): return object()
            case UInt8(ascii: "["): return array()
            case UInt8(ascii: "\""): return string().map(Value.string)
            case UInt8(ascii: "t"): return literal("true", .bool(true))
            case UInt8(ascii: "f"): return literal("false", .bool(false))
            case UInt8(ascii: "n"): return literal("null", .null)
            default: return number()
            }
        }

        private mutating func literal(_ word: String, _ value: Value) -> Value? {
            let end = position + word.utf8.count
            guard end <= bytes.count, bytes[position..<end].elementsEqual(word.utf8) else { return nil }
            position = end
            return value
        }

        private mutating func number() -> Value? {
            let start = position
            while position < bytes.count, Self.isNumberByte(bytes[position]) { position += 1 }
            guard position > start else { return nil }
            return .number(String(decoding: bytes[start..<position], as: UTF8.self))
        }

        private static func isNumberByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "e"), UInt8(ascii: "E"):
                true
            default:
                false
            }
        }

        private mutating func object() -> Value? {
            position += 1
            depth += 1
            defer { depth -= 1 }
            // Room for a whole health record (fifteen members) at once: growing from empty rehashed it four times.
            var members: [String: Value] = Dictionary(minimumCapacity: 16)
            skipSpace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\""), let key = string() else {
                    return nil
                }
                skipSpace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { return nil }
                position += 1
                guard let value = value() else { return nil }
                members[key] = value
                skipSpace()
                guard position < bytes.count else { return nil }
                position += 1
                switch bytes[position - 1] {
                case UInt8(ascii: ","): continue
                case UInt8(ascii: "}"): return .object(members)
                default: return nil
                }
            }
        }

        private mutating func array() -> Value? {
            position += 1
            depth += 1
            defer { depth -= 1 }
            var elements: [Value] = []
            skipSpace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            while true {
                guard let element = value() else { return nil }
                elements.append(element)
                skipSpace()
                guard position < bytes.count else { return nil }
                position += 1
                switch bytes[position - 1] {
                case UInt8(ascii: ","): continue
                case UInt8(ascii: "]"): return .array(elements)
                default: return nil
                }
            }
        }

        /// A string at the current quote; escapes other than the simple ones and `\u` give nil.
        private mutating func string() -> String? {
            position += 1
            // Most strings have no escape: take them straight from the input.
            var end = position
            while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"),
                bytes[end] >= 0x20
            {
                end += 1
            }
            if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
                defer { position = end + 1 }
                return String(validating: bytes[position..<end], as: UTF8.self)
            }
            var out: [UInt8] = []
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(validating: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard position < bytes.count else { return nil }
                    let escaped = bytes[position]
                    position += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "u"):
                        guard let scalar = unicodeEscape() else { return nil }
                        out.append(contentsOf: String(Character(scalar)).utf8)
                    default: return nil
                    }
                case 0..<0x20:
                    return nil
                default:
                    out.append(byte)
                }
            }
            return nil
        }

        /// The scalar of a `\uXXXX` escape (the `\u` read already), with a surrogate pair's second half.
        private mutating func unicodeEscape() -> Unicode.Scalar? {
            guard let high = hex4() else { return nil }
            if (0xD800..<0xDC00).contains(high) {
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                    bytes[position + 1] == UInt8(ascii: "u")
                else { return nil }
                position += 2
                guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
            }
            return Unicode.Scalar(high)
        }

        private mutating func hex4() -> UInt32? {
            guard position + 4 <= bytes.count,
                let value = UInt32(String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16)
            else { return nil }
            position += 4
            return value
        }
    }
}

extension Dictionary where Key == String, Value == HealthJSON.Value {
    /// An optional member: `.some(nil)` when absent or null, `.some(value)` when it reads, nil when it is there but
    /// of another type (the record is then not one this reader understands).
    fileprivate func optional<Read>(_ key: String, _ read: (HealthJSON.Value) -> Read?) -> Read?? {
        guard let member = self[key] else { return .some(nil) }
        if case .null = member { return .some(nil) }
        guard let value = read(member) else { return nil }
        return .some(value)
    }
}
