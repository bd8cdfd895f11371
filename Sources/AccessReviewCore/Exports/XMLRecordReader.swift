import CLibXML2
import Foundation

/// Streams an XML export with libxml2's `xmlTextReader` and hands each record element to
/// the caller with its fields evaluated. Only the current record is ever expanded in
/// memory; it is freed when the reader moves on. Simple field forms (`@a`, `Child`,
/// `Child/Grandchild/@a`, `text()`) are read by walking the expanded record; anything else
/// goes through XPath 1.0 compiled once per mapping.
///
/// Hostile input is refused: no external entity or DTD is ever loaded (a loader that loads
/// nothing is installed, and the file is opened by us), no network, documents that declare
/// entities are refused before any is expanded, and nesting is limited.
///
/// This type owns every libxml2 pointer it uses.
struct XMLRecordReader {
    /// One record: the values of each field, in the order of the record type's fields.
    struct Record {
        var type: Int
        var values: [[String]]
        var line: Int
    }

    struct Output {
        var records: Int
        var countsPerType: [Int]
        /// Per record type and field: whether any record had a non-empty value.
        var filled: [[Bool]]
        var exportDate: String?
    }

    static let maximumDepth = 100

    let path: String
    let mapping: SystemMapping

    private static let hardened: Void = { ar_xml_harden() }()

    /// Reads the whole file, calling `handle` for each record. Throws a diagnostic with file,
    /// line and column on malformed or hostile XML.
    func read(_ handle: (Record) throws -> Void) throws -> Output {
        _ = Self.hardened
        let errors = ErrorBox()
        let evaluators = try makeEvaluators()
        defer { for record in evaluators { for field in record { field.release() } } }

        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Diagnostic(file: path, "cannot open the export: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let options = Int32(XML_PARSE_NONET.rawValue) | Int32(XML_PARSE_NOCDATA.rawValue) | Int32(XML_PARSE_COMPACT.rawValue)
        guard let reader = xmlReaderForFd(fd, path, nil, options) else {
            throw Diagnostic(file: path, "libxml2 cannot read the export")
        }
        defer { xmlFreeTextReader(reader) }
        let box = Unmanaged.passRetained(errors)
        defer { box.release() }
        xmlTextReaderSetStructuredErrorHandler(reader, { context, error in
            guard let context, let error else { return }
            let errors = Unmanaged<ErrorBox>.fromOpaque(context).takeUnretainedValue()
            let message = error.pointee.message.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "XML error"
            errors.add(level: Int(error.pointee.level.rawValue), line: Int(error.pointee.line), column: Int(error.pointee.int2), message: message)
        }, box.toOpaque())

        let recordPaths = mapping.records.map { QualifiedName.path($0.path, namespaces: mapping.namespaces) }
        var exportDatePath: [QualifiedName]?
        var exportDateAttribute: String?
        if let spec = mapping.exportDate {
            if let range = spec.range(of: "/@", options: .backwards) {
                exportDatePath = QualifiedName.path(String(spec[..<range.lowerBound]), namespaces: mapping.namespaces)
                exportDateAttribute = String(spec[range.upperBound...])
            } else {
                exportDatePath = QualifiedName.path(spec, namespaces: mapping.namespaces)
            }
        }

        var stack: [QualifiedName] = []
        var context: xmlXPathContextPtr?
        defer { if let context { xmlXPathFreeContext(context) } }
        var counts = Array(repeating: 0, count: mapping.records.count)
        var filled = mapping.records.map { Array(repeating: false, count: $0.fields.count) }
        var exportDate: String?
        var total = 0
        var buffers: [[[String]]] = Array(repeating: [], count: mapping.records.count)
        let elementType = Int32(XML_READER_TYPE_ELEMENT.rawValue)
        let doctypeType = Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue)

        var status = xmlTextReaderRead(reader)
        while status == 1 {
            let nodeType = xmlTextReaderNodeType(reader)
            if nodeType == doctypeType, ar_declared_entities(xmlTextReaderCurrentDoc(reader)) > 0 {
                throw Diagnostic(file: path, line: Int(xmlTextReaderGetParserLineNumber(reader)),
                                 "the export declares entities (<!ENTITY …>); accessreview never expands them (they can read files or blow up memory) — export without a DTD")
            }
            if nodeType == elementType {
                let depth = Int(xmlTextReaderDepth(reader))
                guard depth < Self.maximumDepth else {
                    throw Diagnostic(file: path, line: Int(xmlTextReaderGetParserLineNumber(reader)),
                                     "elements nested deeper than \(Self.maximumDepth) levels; this is no export")
                }
                if stack.count > depth { stack.removeLast(stack.count - depth) }
                stack.append(QualifiedName(uri: text(xmlTextReaderConstNamespaceUri(reader)), local: text(xmlTextReaderConstLocalName(reader))))

                if let datePath = exportDatePath, exportDate == nil, stack == datePath {
                    if let attribute = exportDateAttribute {
                        if let value = xmlTextReaderGetAttribute(reader, attribute) {
                            exportDate = String(cString: value)
                            ar_xml_free(value)
                        }
                    } else if let value = xmlTextReaderReadString(reader) {
                        exportDate = String(cString: value).trimmingCharacters(in: .whitespacesAndNewlines)
                        ar_xml_free(value)
                    }
                }

                if let type = recordPaths.firstIndex(of: stack) {
                    guard let node = xmlTextReaderExpand(reader) else { break }
                    let line = Int(xmlGetLineNo(node))
                    // One buffer for every record: the handler reads it and keeps only what it copies.
                    if buffers[type].count != evaluators[type].count {
                        buffers[type] = Array(repeating: [], count: evaluators[type].count)
                    }
                    for (index, evaluator) in evaluators[type].enumerated() {
                        buffers[type][index].removeAll(keepingCapacity: true)
                        try evaluator.values(of: node, reader: reader, context: &context, namespaces: mapping.namespaces,
                                             into: &buffers[type][index])
                        if !filled[type][index], buffers[type][index].contains(where: { !$0.isEmpty }) { filled[type][index] = true }
                    }
                    counts[type] += 1
                    total += 1
                    let record = Record(type: type, values: buffers[type], line: line)
                    try handle(record)
                    stack.removeLast()
                    status = xmlTextReaderNext(reader)
                    continue
                }
            }
            status = xmlTextReaderRead(reader)
        }
        if status < 0 || errors.firstError != nil {
            let error = errors.firstError
                ?? (line: Int(xmlTextReaderGetParserLineNumber(reader)), column: Int(xmlTextReaderGetParserColumnNumber(reader)),
                    message: "the XML is not well-formed")
            throw Diagnostic(file: path, line: error.line, column: error.column,
                             "malformed XML: \(error.message); nothing of this export was used")
        }
        return Output(records: total, countsPerType: counts, filled: filled, exportDate: exportDate)
    }

    private func makeEvaluators() throws -> [[FieldEvaluator]] {
        var result: [[FieldEvaluator]] = []
        var problems: [Diagnostic] = []
        for record in mapping.records {
            var fields: [FieldEvaluator] = []
            for field in record.fields {
                if let walk = SimpleFieldPath(field.xpath, namespaces: mapping.namespaces) {
                    fields.append(.walk(walk))
                } else if let expression = XPathCompiler.compile(field.xpath) {
                    fields.append(.xpath(expression))
                } else {
                    problems.append(Diagnostic(file: mapping.file, line: field.line, column: field.column,
                                               "the XPath '\(field.xpath)' of field '\(field.name)' does not compile"))
                }
            }
            result.append(fields)
        }
        if !problems.isEmpty {
            for record in result { for field in record { field.release() } }
            throw DiagnosticList(problems)
        }
        return result
    }

    private func text(_ pointer: UnsafePointer<xmlChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }
}

/// An element or attribute name with its namespace URI ("" for none).
struct QualifiedName: Equatable {
    var uri: String
    var local: String

    static func path(_ path: String, namespaces: [String: String]) -> [QualifiedName] {
        RecordPath.steps(path).map { QualifiedName(uri: $0.prefix.flatMap { namespaces[$0] } ?? "", local: $0.local) }
    }
}

/// How one field is evaluated on an expanded record.
private enum FieldEvaluator {
    case walk(SimpleFieldPath)
    case xpath(xmlXPathCompExprPtr)

    func release() {
        if case .xpath(let expression) = self { xmlXPathFreeCompExpr(expression) }
    }

    func values(of node: xmlNodePtr, reader: OpaquePointer, context: inout xmlXPathContextPtr?, namespaces: [String: String],
                into out: inout [String]) throws {
        switch self {
        case .walk(let path):
            path.collect(from: node, step: 0, into: &out)
        case .xpath(let expression):
            out.append(contentsOf: try xpathValues(expression, of: node, reader: reader, context: &context, namespaces: namespaces))
        }
    }

    private func xpathValues(_ expression: xmlXPathCompExprPtr, of node: xmlNodePtr, reader: OpaquePointer,
                             context: inout xmlXPathContextPtr?, namespaces: [String: String]) throws -> [String] {
        do {
            if context == nil {
                context = xmlXPathNewContext(xmlTextReaderCurrentDoc(reader))
                for (prefix, uri) in namespaces { xmlXPathRegisterNs(context, prefix, uri) }
            }
            guard let context else { return [] }
            context.pointee.node = node
            guard let result = xmlXPathCompiledEval(expression, context) else { return [] }
            defer { xmlXPathFreeObject(result) }
            switch result.pointee.type {
            case XPATH_NODESET:
                guard let set = result.pointee.nodesetval else { return [] }
                var out: [String] = []
                for index in 0..<Int(set.pointee.nodeNr) {
                    guard let node = set.pointee.nodeTab[index], let content = xmlNodeGetContent(node) else { continue }
                    out.append(String(cString: content))
                    ar_xml_free(content)
                }
                return out
            case XPATH_STRING:
                return result.pointee.stringval.map { [String(cString: $0)] } ?? []
            case XPATH_NUMBER:
                let number = result.pointee.floatval
                if number.isNaN { return [] }
                return [number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)]
            case XPATH_BOOLEAN:
                return [result.pointee.boolval != 0 ? "true" : "false"]
            default:
                return []
            }
        }
    }
}

/// The field forms read without the XPath engine: `@a`, `Child`, `A/B`, `A/B/@c`, `text()`,
/// `A/text()`, `.` — each name optionally prefixed.
struct SimpleFieldPath {
    enum Step {
        case element(uri: [CChar]?, local: [CChar])
        case attribute(uri: [CChar]?, local: [CChar])
        case text
        case this
    }

    let steps: [Step]

    init?(_ expression: String, namespaces: [String: String]) {
        let trimmed = expression.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, !trimmed.hasPrefix("/") else { return nil }
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        var steps: [Step] = []
        for (index, part) in parts.enumerated() {
            let last = index == parts.count - 1
            if part == "." && parts.count == 1 { steps.append(.this); continue }
            if part == "text()" {
                guard last else { return nil }
                steps.append(.text)
                continue
            }
            var name = Substring(part)
            let isAttribute = name.hasPrefix("@")
            if isAttribute {
                guard last else { return nil }
                name = name.dropFirst()
            }
            guard let (uri, local) = SimpleFieldPath.qname(name, namespaces: namespaces) else { return nil }
            steps.append(isAttribute ? .attribute(uri: uri, local: local) : .element(uri: uri, local: local))
        }
        self.steps = steps
    }

    private static func qname(_ name: Substring, namespaces: [String: String]) -> ([CChar]?, [CChar])? {
        let pieces = name.split(separator: ":", omittingEmptySubsequences: false)
        let valid: (Substring) -> Bool = { piece in
            guard let first = piece.unicodeScalars.first, first == "_" || CharacterSet.letters.contains(first) else { return false }
            return piece.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) }
        }
        switch pieces.count {
        case 1:
            guard valid(pieces[0]) else { return nil }
            return (nil, Array(String(pieces[0]).utf8CString))
        case 2:
            guard valid(pieces[0]), valid(pieces[1]), let uri = namespaces[String(pieces[0])] else { return nil }
            return (Array(uri.utf8CString), Array(String(pieces[1]).utf8CString))
        default:
            return nil
        }
    }

    func collect(from node: xmlNodePtr, step: Int, into out: inout [String]) {
        guard step < steps.count else {
            if let content = xmlNodeGetContent(node) {
                out.append(String(cString: content))
                ar_xml_free(content)
            }
            return
        }
        switch steps[step] {
        case .this:
            collect(from: node, step: step + 1, into: &out)
        case .text:
            var child = node.pointee.children
            while let current = child {
                if current.pointee.type == XML_TEXT_NODE || current.pointee.type == XML_CDATA_SECTION_NODE,
                   let content = current.pointee.content {
                    out.append(String(cString: content))
                }
                child = current.pointee.next
            }
        case .element(let uri, let local):
            var child = node.pointee.children
            while let current = child {
                if current.pointee.type == XML_ELEMENT_NODE, matches(current.pointee.name, current.pointee.ns, uri: uri, local: local) {
                    collect(from: current, step: step + 1, into: &out)
                }
                child = current.pointee.next
            }
        case .attribute(let uri, let local):
            var attribute = node.pointee.properties
            while let current = attribute {
                if matches(current.pointee.name, current.pointee.ns, uri: uri, local: local) {
                    // The usual attribute holds one text node: read it without copying through libxml2.
                    if let text = current.pointee.children, text.pointee.next == nil, text.pointee.type == XML_TEXT_NODE,
                       let content = text.pointee.content {
                        out.append(String(cString: content))
                    } else if let value = xmlNodeGetContent(UnsafeMutableRawPointer(current).assumingMemoryBound(to: xmlNode.self)) {
                        out.append(String(cString: value))
                        ar_xml_free(value)
                    }
                }
                attribute = current.pointee.next
            }
        }
    }

    private func matches(_ name: UnsafePointer<xmlChar>?, _ ns: xmlNsPtr?, uri: [CChar]?, local: [CChar]) -> Bool {
        guard let name else { return false }
        let sameName = local.withUnsafeBufferPointer { strcmp(UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self), $0.baseAddress!) == 0 }
        guard sameName else { return false }
        switch (uri, ns?.pointee.href) {
        case (nil, nil): return true
        case (let uri?, let href?):
            return uri.withUnsafeBufferPointer { strcmp(UnsafeRawPointer(href).assumingMemoryBound(to: CChar.self), $0.baseAddress!) == 0 }
        default: return false
        }
    }
}

/// Collects libxml2's errors for one reader.
private final class ErrorBox {
    var firstError: (line: Int, column: Int, message: String)?

    func add(level: Int, line: Int, column: Int, message: String) {
        // XML_ERR_WARNING is 1; errors (2) and fatal errors (3) stop the export.
        if level >= 2 && firstError == nil { firstError = (line, column, message) }
    }
}

/// Compiles XPath expressions without letting libxml2 print to stderr.
enum XPathCompiler {
    static func compile(_ expression: String) -> xmlXPathCompExprPtr? {
        xmlSetStructuredErrorFunc(nil) { _, _ in }
        defer { xmlSetStructuredErrorFunc(nil, nil) }
        return xmlXPathCompile(expression)
    }

    static func isValid(_ expression: String) -> Bool {
        guard let compiled = compile(expression) else { return false }
        xmlXPathFreeCompExpr(compiled)
        return true
    }
}
