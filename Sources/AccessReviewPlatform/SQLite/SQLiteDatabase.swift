import CSQLite
import Foundation

/// One SQLite database over the C API: statements prepared once and stepped many times,
/// values bound as text or blobs, transactions that nest (savepoints inside). The only type
/// that holds a `sqlite3*`; its API has Swift types only.
package final class SQLiteDatabase {
    /// A value bound to a `?` of a statement.
    package enum Value {
        case text(String)
        case blob(Data)
        /// A blob bound from an array, without making `Data` of it first.
        case bytes([UInt8])
        case integer(Int)
        case null
    }

    /// A row of a query's result, read by column number.
    package struct Row {
        fileprivate let statement: OpaquePointer
        package func text(_ column: Int32) -> String {
            sqlite3_column_text(statement, column).map { String(cString: $0) } ?? ""
        }
        package func optionalText(_ column: Int32) -> String? {
            sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : text(column)
        }
        package func integer(_ column: Int32) -> Int { Int(sqlite3_column_int64(statement, column)) }
        package func blob(_ column: Int32) -> Data {
            guard let bytes = sqlite3_column_blob(statement, column) else { return Data() }
            return Data(bytes: bytes, count: Int(sqlite3_column_bytes(statement, column)))
        }
        /// A blob as an array, copied once.
        package func bytes(_ column: Int32) -> [UInt8] {
            guard let bytes = sqlite3_column_blob(statement, column) else { return [] }
            return [UInt8](UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, column))))
        }
    }

    /// A prepared statement, stepped once per row written.
    package final class Statement {
        fileprivate let handle: OpaquePointer
        private unowned let database: SQLiteDatabase

        fileprivate init(_ handle: OpaquePointer, _ database: SQLiteDatabase) {
            self.handle = handle
            self.database = database
        }

        deinit { sqlite3_finalize(handle) }

        /// Binds text values and steps once (millions of issued rows go through here).
        package func run(texts values: [String]) throws {
            sqlite3_reset(handle)
            for (index, value) in values.enumerated() { _ = ar_sqlite_bind_text(handle, Int32(index + 1), value) }
            guard sqlite3_step(handle) == SQLITE_DONE else { throw database.failure("cannot write") }
        }

        package func run(_ values: [Value]) throws {
            bind(values)
            guard sqlite3_step(handle) == SQLITE_DONE else { throw database.failure("cannot write") }
        }

        fileprivate func bind(_ values: [Value]) {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
            for (index, value) in values.enumerated() {
                let position = Int32(index + 1)
                switch value {
                case .text(let text): _ = ar_sqlite_bind_text(handle, position, text)
                case .blob(let data):
                    _ = data.withUnsafeBytes {
                        ar_sqlite_bind_blob(handle, position, $0.baseAddress, Int32(data.count))
                    }
                case .bytes(let bytes):
                    _ = bytes.withUnsafeBytes {
                        ar_sqlite_bind_blob(handle, position, $0.baseAddress, Int32(bytes.count))
                    }
                case .integer(let number): _ = sqlite3_bind_int64(handle, position, sqlite3_int64(number))
                case .null: _ = sqlite3_bind_null(handle, position)
                }
            }
        }
    }

    package let path: String
    private var db: OpaquePointer?
    private var depth = 0

    /// Opens (or creates, owner-only) the database at `path`.
    package init(path: String, busyTimeoutMilliseconds: Int32 = 5000) throws {
        self.path = path
        do {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
        } catch {
            throw ToolError(
                .outputNotWritten,
                "\(path): error: cannot create the state store's folder: \(error.localizedDescription)")
        }
        guard
            sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nil)
                == SQLITE_OK
        else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            db = nil
            throw ToolError(.outputNotWritten, "\(path): error: cannot open the state store: \(message)")
        }
        chmod(path, 0o600)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
    }

    deinit { sqlite3_close(db) }

    package func failure(_ what: String) -> ToolError {
        let detail = String(cString: sqlite3_errmsg(db))
        let code = sqlite3_errcode(db)
        // Corrupt or not a database: the file is the problem; anything else is a failed write.
        let kind: ToolError.Kind = code == SQLITE_CORRUPT || code == SQLITE_NOTADB ? .input : .outputNotWritten
        return ToolError(kind, "\(path): error: the state store: \(what): \(detail)\(systemCause)")
    }

    /// The operating system's reason for SQLite's last failure ("Read-only file system",
    /// "No space left on device"), when there is one.
    private var systemCause: String {
        var volume = statvfs()
        if statvfs((path as NSString).deletingLastPathComponent, &volume) == 0, volume.f_flag & UInt(ST_RDONLY) != 0 {
            return " (the file system is read-only)"
        }
        let code = sqlite3_system_errno(db)
        return code != 0 ? " (\(String(cString: strerror(code))))" : ""
    }

    /// Runs one or more statements without results.
    package func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(db, sql, nil, nil, &message) == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? "unknown"
            sqlite3_free(message)
            let code = sqlite3_errcode(db)
            let kind: ToolError.Kind = code == SQLITE_CORRUPT || code == SQLITE_NOTADB ? .input : .outputNotWritten
            throw ToolError(kind, "\(path): error: the state store: \(text)\(systemCause)")
        }
    }

    package func prepare(_ sql: String) throws -> Statement {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw failure("cannot prepare a query")
        }
        return Statement(statement, self)
    }

    package func run(_ sql: String, _ values: [Value] = []) throws {
        try prepare(sql).run(values)
    }

    package func query<T>(_ sql: String, _ values: [Value] = [], _ map: (Row) throws -> T) throws -> [T] {
        let statement = try prepare(sql)
        statement.bind(values)
        var result: [T] = []
        while true {
            let rc = sqlite3_step(statement.handle)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw failure("cannot read") }
            result.append(try map(Row(statement: statement.handle)))
        }
        return result
    }

    package func run(_ sql: String, _ texts: [String]) throws {
        try run(sql, texts.map(Value.text))
    }

    /// Steps through a query's rows without collecting them: for results of millions of rows.
    package func forEach(_ sql: String, _ values: [Value] = [], _ body: (Row) throws -> Void) throws {
        let statement = try prepare(sql)
        statement.bind(values)
        while true {
            let rc = sqlite3_step(statement.handle)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw failure("cannot read") }
            try body(Row(statement: statement.handle))
        }
    }

    package func query<T>(_ sql: String, _ texts: [String], _ map: (Row) throws -> T) throws -> [T] {
        try query(sql, texts.map(Value.text), map)
    }

    package var lastInsertRowID: Int { Int(sqlite3_last_insert_rowid(db)) }

    /// Opens a transaction that stays open across calls, for a caller that must do something
    /// else (publish a folder) between writing and committing; `transaction` inside it nests.
    package func begin() throws {
        precondition(depth == 0, "begin() inside a transaction")
        try execute("BEGIN IMMEDIATE")
        depth = 1
    }

    package func commit() throws {
        try execute("COMMIT")
        depth = 0
    }

    /// Undoes what `begin()` opened; harmless when nothing is open.
    package func rollback() {
        if depth > 0 { try? execute("ROLLBACK") }
        depth = 0
    }

    /// Runs `body` in a transaction: all of it is kept, or none. Inside another transaction it
    /// is a savepoint, undone alone when it fails.
    package func transaction<T>(_ body: () throws -> T) throws -> T {
        let savepoint = "s\(depth)"
        try execute(depth == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT \(savepoint)")
        depth += 1
        do {
            let result = try body()
            depth -= 1
            try execute(depth == 0 ? "COMMIT" : "RELEASE \(savepoint)")
            return result
        } catch {
            depth -= 1
            try? execute(depth == 0 ? "ROLLBACK" : "ROLLBACK TO \(savepoint); RELEASE \(savepoint)")
            throw error
        }
    }
}
