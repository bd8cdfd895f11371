import CLibXML2
import Foundation

/// Streams an XML export with libxml2's `xmlTextReader` and hands each record element to
/// the caller with its fields evaluated by compiled XPath expressions. Only the current
/// record is ever expanded in memory. External entities, DTD loading and network access are
/// off.
///
/// This type owns every libxml2 pointer it uses.
struct XMLRecordReader {
    struct Record {
        var type: Int
        var fields: [String: [String]]
        var line: Int
    }

    struct Output {
        var records: Int
        var countsPerType: [Int]
        var exportDate: String?
    }

    let path: String
    let mapping: SystemMapping

    /// Reads the whole file, calling `handle` for each record. Throws a diagnostic with file,
    /// line and column on malformed XML.
    func read(_ handle: (Record) throws -> Void) throws -> Output {
        let errors = ErrorBox()
        let compiled = try compileFields()
        defer { for fields in compiled { for field in fields { xmlXPathFreeCompExpr(field.expression) } } }

        let options = Int32(XML_PARSE_NONET.rawValue) | Int32(XML_PARSE_NOCDATA.rawValue) | Int32(XML_PARSE_COMPACT.rawValue)
        guard let reader = xmlReaderForFile(path, nil, options) else {
            throw Diagnostic(file: path, "cannot open the export (does it exist?)")
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

        let recordPaths = mapping.records.map { resolve(RecordPath.steps($0.path)) }
        var exportDatePath: [(String, String)]?
        var exportDateAttribute: String?
        if let spec = mapping.exportDate {
            if let range = spec.range(of: "/@", options: .backwards) {
                exportDatePath = resolve(RecordPath.steps(String(spec[..<range.lowerBound])))
                exportDateAttribute = String(spec[range.upperBound...])
            } else {
                exportDatePath = resolve(RecordPath.steps(spec))
            }
        }

        var stack: [(String, String)] = []
        var context: xmlXPathContextPtr?
        defer { if let context { xmlXPathFreeContext(context) } }
        var counts = Array(repeating: 0, count: mapping.records.count)
        var exportDate: String?
        var total = 0

        var status = xmlTextReaderRead(reader)
        while status == 1 {
            if xmlTextReaderNodeType(reader) == Int32(XML_READER_TYPE_ELEMENT.rawValue) {
                let depth = Int(xmlTextReaderDepth(reader))
                if stack.count > depth { stack.removeLast(stack.count - depth) }
                stack.append((text(xmlTextReaderConstNamespaceUri(reader)), text(xmlTextReaderConstLocalName(reader))))

                if let datePath = exportDatePath, exportDate == nil, matches(stack, datePath) {
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

                if let type = recordPaths.firstIndex(where: { matches(stack, $0) }) {
                    guard let node = xmlTextReaderExpand(reader) else { break }
                    let line = Int(xmlGetLineNo(node))
                    if context == nil {
                        context = xmlXPathNewContext(xmlTextReaderCurrentDoc(reader))
                        for (prefix, uri) in mapping.namespaces { xmlXPathRegisterNs(context, prefix, uri) }
                    }
                    guard let context else { throw Diagnostic(file: path, "libxml2 could not create an XPath context") }
                    var fields: [String: [String]] = [:]
                    for field in compiled[type] {
                        context.pointee.node = node
                        fields[field.name] = values(of: field.expression, in: context)
                    }
                    counts[type] += 1
                    total += 1
                    try handle(Record(type: type, fields: fields, line: line))
                    stack.removeLast()
                    status = xmlTextReaderNext(reader)
                    continue
                }
            }
            status = xmlTextReaderRead(reader)
        }
        if status < 0 || errors.firstError != nil {
            let error = errors.firstError ?? (line: Int(xmlTextReaderGetParserLineNumber(reader)), column: Int(xmlTextReaderGetParserColumnNumber(reader)), message: "the XML is not well-formed")
            throw Diagnostic(file: path, line: error.line, column: error.column, "malformed XML: \(error.message); nothing of this export was used")
        }
        return Output(records: total, countsPerType: counts, exportDate: exportDate)
    }

    private struct CompiledField {
        var name: String
        var expression: xmlXPathCompExprPtr
    }

    private func compileFields() throws -> [[CompiledField]] {
        var result: [[CompiledField]] = []
        var problems: [Diagnostic] = []
        for record in mapping.records {
            var fields: [CompiledField] = []
            for field in record.fields {
                if let expression = XPathCompiler.compile(field.xpath) {
                    fields.append(CompiledField(name: field.name, expression: expression))
                } else {
                    problems.append(Diagnostic(file: mapping.file, line: field.line, column: field.column,
                                               "the XPath '\(field.xpath)' of field '\(field.name)' does not compile"))
                }
            }
            result.append(fields)
        }
        if !problems.isEmpty {
            for fields in result { for field in fields { xmlXPathFreeCompExpr(field.expression) } }
            throw DiagnosticList(problems)
        }
        return result
    }

    private func resolve(_ steps: [(prefix: String?, local: String)]) -> [(String, String)] {
        steps.map { step in (step.prefix.flatMap { mapping.namespaces[$0] } ?? "", step.local) }
    }

    private func matches(_ stack: [(String, String)], _ path: [(String, String)]) -> Bool {
        guard stack.count == path.count else { return false }
        for index in stack.indices where stack[index] != path[index] { return false }
        return true
    }

    private func text(_ pointer: UnsafePointer<xmlChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    private func values(of expression: xmlXPathCompExprPtr, in context: xmlXPathContextPtr) -> [String] {
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
            return [number == number.rounded() ? String(Int(number)) : String(number)]
        case XPATH_BOOLEAN:
            return [result.pointee.boolval != 0 ? "true" : "false"]
        default:
            return []
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
