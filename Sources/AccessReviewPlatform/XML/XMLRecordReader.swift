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
/// What `XMLRecordReader` reads from an export: the record element paths, each record
/// type's fields (XPath 1.0 relative to the record), the namespace prefixes, and where the
/// export records its date. Made from a system mapping by the core.
package struct XMLRecordPlan: Sendable {
    package struct Record: Sendable {
        package var path: String
        package var fields: [Field]
        package init(path: String, fields: [Field]) {
            self.path = path
            self.fields = fields
        }
    }

    package struct Field: Sendable {
        package var name: String
        package var xpath: String
        package var line: Int
        package var column: Int
        package init(name: String, xpath: String, line: Int, column: Int) {
            (self.name, self.xpath, self.line, self.column) = (name, xpath, line, column)
        }
    }

    /// The mapping file, named by errors in its expressions.
    package var file: String
    package var namespaces: [String: String]
    package var records: [Record]
    /// An element path, or one ending in `/@attribute`.
    package var exportDate: String?

    /// The steps of an element path, each with its namespace prefix if any.
    package static func steps(_ path: String) -> [(prefix: String?, local: String)] {
        path.split(separator: "/").map { step in
            let parts = step.split(separator: ":", maxSplits: 1)
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : (nil, String(step))
        }
    }

    package init(file: String, namespaces: [String: String], records: [Record], exportDate: String?) {
        (self.file, self.namespaces, self.records, self.exportDate) = (file, namespaces, records, exportDate)
    }
}

package struct XMLRecordReader {
    package struct Output {
        package var records: Int
        package var countsPerType: [Int]
        /// Per record type and field: whether any record had a non-empty value.
        package var filled: [[Bool]]
        package var exportDate: String?
    }

    package static let maximumDepth = 100

    package let path: String
    package let mapping: XMLRecordPlan

    package init(path: String, plan: XMLRecordPlan) {
        self.path = path
        self.mapping = plan
    }

    /// Reads the whole file, calling `handle` with each batch of up to `batchSize` records.
    /// Throws a diagnostic with file, line and column on malformed or hostile XML.
    package func read(batchSize: Int = 256, _ handle: (RecordBatch) throws -> Void) throws -> Output {
        ProcessSetup.requireStarted()
        let errors = ErrorBox()
        var evaluators = try makeEvaluators()
        defer { for record in evaluators { for field in record { field.release() } } }

        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw Diagnostic(file: path, "cannot open the export: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let options =
            Int32(XML_PARSE_NONET.rawValue) | Int32(XML_PARSE_NOCDATA.rawValue) | Int32(XML_PARSE_COMPACT.rawValue)
        guard let reader = xmlReaderForFd(fd, path, nil, options) else {
            throw Diagnostic(file: path, "libxml2 cannot read the export")
        }
        defer { xmlFreeTextReader(reader) }
        let box = errors.collect(from: reader)
        defer { box.release() }

        // Names in the reader's documents are interned in its dictionary: with the mapping's
        // names interned in the same one, matching a name is comparing two pointers.
        let intern: (String) -> InternedName? = { xmlTextReaderConstString(reader, $0) }
        evaluators = evaluators.map { $0.map { $0.bound(intern) } }
        let elements: (String) -> [ElementName] = {
            ElementName.path($0, namespaces: self.mapping.namespaces, intern: intern)
        }
        let recordPaths = mapping.records.map { elements($0.path) }
        var exportDatePath: [ElementName]?
        var exportDateAttribute: String?
        if let spec = mapping.exportDate {
            if let range = spec.range(of: "/@", options: .backwards) {
                exportDatePath = elements(String(spec[..<range.lowerBound]))
                exportDateAttribute = String(spec[range.upperBound...])
            } else {
                exportDatePath = elements(spec)
            }
        }

        var stack: [ElementName] = []
        var context: xmlXPathContextPtr?
        defer { if let context { xmlXPathFreeContext(context) } }
        var counts = Array(repeating: 0, count: mapping.records.count)
        var filled = mapping.records.map { Array(repeating: false, count: $0.fields.count) }
        var exportDate: String?
        var total = 0
        var batch = RecordBatch()
        let elementType = Int32(XML_READER_TYPE_ELEMENT.rawValue)
        let doctypeType = Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue)

        var status = xmlTextReaderRead(reader)
        while status == 1 {
            let nodeType = xmlTextReaderNodeType(reader)
            if nodeType == doctypeType, ar_declared_entities(xmlTextReaderCurrentDoc(reader)) > 0 {
                throw Diagnostic(
                    file: path, line: Int(xmlTextReaderGetParserLineNumber(reader)),
                    "the export declares entities (<!ENTITY …>); accessreview never expands them (they can read files or blow up memory) — export without a DTD"
                )
            }
            if nodeType == elementType {
                let depth = Int(xmlTextReaderDepth(reader))
                guard depth < Self.maximumDepth else {
                    throw Diagnostic(
                        file: path, line: Int(xmlTextReaderGetParserLineNumber(reader)),
                        "elements nested deeper than \(Self.maximumDepth) levels; this is no export")
                }
                if stack.count > depth { stack.removeLast(stack.count - depth) }
                stack.append(
                    ElementName(local: xmlTextReaderConstLocalName(reader), uri: xmlTextReaderConstNamespaceUri(reader))
                )

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
                    // Names built by the reader are interned; compare by content should one not be.
                    let interned = xmlDictOwns(node.pointee.doc?.pointee.dict, node.pointee.name) == 1
                    batch.beginRecord(type: type, line: line)
                    for (index, evaluator) in evaluators[type].enumerated() {
                        try evaluator.values(
                            of: node, interned: interned, reader: reader, context: &context,
                            namespaces: mapping.namespaces, into: &batch)
                        if batch.elementWithChildren {
                            let field = mapping.records[type].fields[index]
                            throw Diagnostic(
                                file: path, line: line,
                                "field '\(field.name)' (\(field.xpath), \(mapping.file):\(field.line)) selects an element with child elements in this record; a field must be an attribute or an element that holds text"
                            )
                        }
                        if batch.endField(), !filled[type][index] { filled[type][index] = true }
                    }
                    counts[type] += 1
                    total += 1
                    if batch.count >= batchSize {
                        try handle(batch)
                        batch.removeAll()
                    }
                    stack.removeLast()
                    status = xmlTextReaderNext(reader)
                    continue
                }
            }
            status = xmlTextReaderRead(reader)
        }
        if status < 0 || errors.firstError != nil {
            let error =
                errors.firstError
                ?? (
                    line: Int(xmlTextReaderGetParserLineNumber(reader)),
                    column: Int(xmlTextReaderGetParserColumnNumber(reader)),
                    message: "the XML is not well-formed"
                )
            throw Diagnostic(
                file: path, line: error.line, column: error.column,
                "malformed XML: \(error.message); nothing of this export was used")
        }
        if batch.count > 0 { try handle(batch) }
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
                    problems.append(
                        Diagnostic(
                            file: mapping.file, line: field.line, column: field.column,
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

}

/// A string interned in a reader's dictionary.
typealias InternedName = UnsafePointer<xmlChar>

/// An element's local name and namespace URI (nil for none), both interned.
struct ElementName: Equatable {
    var local: InternedName?
    var uri: InternedName?

    static func path(_ path: String, namespaces: [String: String], intern: (String) -> InternedName?) -> [ElementName] {
        XMLRecordPlan.steps(path).map { step in
            ElementName(local: intern(step.local), uri: step.prefix.flatMap { namespaces[$0] }.flatMap(intern))
        }
    }
}

/// How one field is evaluated on an expanded record.
private enum FieldEvaluator {
    case walk(SimpleFieldPath)
    case xpath(xmlXPathCompExprPtr)

    package func release() {
        if case .xpath(let expression) = self { xmlXPathFreeCompExpr(expression) }
    }

    func bound(_ intern: (String) -> InternedName?) -> FieldEvaluator {
        if case .walk(let path) = self { return .walk(path.bound(intern)) }
        return self
    }

    func values(
        of node: xmlNodePtr, interned: Bool, reader: OpaquePointer, context: inout xmlXPathContextPtr?,
        namespaces: [String: String], into out: inout RecordBatch
    ) throws {
        switch self {
        case .walk(let path):
            path.collect(from: node, step: 0, interned: interned, into: &out)
        case .xpath(let expression):
            let (values, nested) = try xpathValues(
                expression, of: node, reader: reader, context: &context, namespaces: namespaces)
            if nested { out.elementWithChildren = true }
            for value in values { out.append(value) }
        }
    }

    private func xpathValues(
        _ expression: xmlXPathCompExprPtr, of node: xmlNodePtr, reader: OpaquePointer,
        context: inout xmlXPathContextPtr?, namespaces: [String: String]
    ) throws -> (values: [String], elementWithChildren: Bool) {
        do {
            if context == nil {
                context = xmlXPathNewContext(xmlTextReaderCurrentDoc(reader))
                for (prefix, uri) in namespaces { xmlXPathRegisterNs(context, prefix, uri) }
            }
            guard let context else { return ([], false) }
            context.pointee.node = node
            guard let result = xmlXPathCompiledEval(expression, context) else { return ([], false) }
            defer { xmlXPathFreeObject(result) }
            switch result.pointee.type {
            case XPATH_NODESET:
                guard let set = result.pointee.nodesetval else { return ([], false) }
                var out: [String] = []
                for index in 0..<Int(set.pointee.nodeNr) {
                    guard let node = set.pointee.nodeTab[index] else { continue }
                    if SimpleFieldPath.hasElementChild(node) { return (out, true) }
                    guard let content = xmlNodeGetContent(node) else { continue }
                    out.append(String(cString: content))
                    ar_xml_free(content)
                }
                return (out, false)
            case XPATH_STRING:
                return (result.pointee.stringval.map { [String(cString: $0)] } ?? [], false)
            case XPATH_NUMBER:
                let number = result.pointee.floatval
                if number.isNaN { return ([], false) }
                return (
                    [number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)], false
                )
            case XPATH_BOOLEAN:
                return ([result.pointee.boolval != 0 ? "true" : "false"], false)
            default:
                return ([], false)
            }
        }
    }
}

/// Collects libxml2's errors for one reader.
final class ErrorBox {
    package var firstError: (line: Int, column: Int, message: String)?

    package func add(level: Int, line: Int, column: Int, message: String) {
        // XML_ERR_WARNING is 1; errors (2) and fatal errors (3) stop the export.
        if level >= 2 && firstError == nil { firstError = (line, column, message) }
    }

    /// Makes libxml2 report the reader's errors here instead of printing them; the returned
    /// reference keeps the box alive and is released once the reader is freed.
    func collect(from reader: OpaquePointer) -> Unmanaged<ErrorBox> {
        let box = Unmanaged.passRetained(self)
        xmlTextReaderSetStructuredErrorHandler(
            reader,
            { context, error in
                guard let context, let error else { return }
                let errors = Unmanaged<ErrorBox>.fromOpaque(context).takeUnretainedValue()
                let message =
                    error.pointee.message.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) }
                    ?? "XML error"
                errors.add(
                    level: Int(error.pointee.level.rawValue), line: Int(error.pointee.line),
                    column: Int(error.pointee.int2), message: message)
            }, box.toOpaque())
        return box
    }
}

/// Compiles XPath expressions without letting libxml2 print to stderr.
package enum XPathCompiler {
    package static func compile(_ expression: String) -> xmlXPathCompExprPtr? {
        xmlSetStructuredErrorFunc(nil) { _, _ in }
        defer { xmlSetStructuredErrorFunc(nil, nil) }
        return xmlXPathCompile(expression)
    }

    package static func isValid(_ expression: String) -> Bool {
        guard let compiled = compile(expression) else { return false }
        xmlXPathFreeCompExpr(compiled)
        return true
    }
}

extension RecordBatch {
    /// Adds a value (libxml2's NUL-terminated string) to the current field.
    mutating func append(_ value: UnsafePointer<xmlChar>) {
        append(
            utf8: UnsafeBufferPointer(
                start: value, count: strlen(UnsafeRawPointer(value).assumingMemoryBound(to: CChar.self))))
    }
}
