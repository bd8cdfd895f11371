import CLibXML2
import Foundation

/// The field forms read without the XPath engine: `@a`, `Child`, `A/B`, `A/B/@c`, `text()`,
/// `A/text()`, `.` — each name optionally prefixed.
struct SimpleFieldPath {
    package struct Name {
        package var uri: [CChar]?
        package var local: [CChar]
        /// The local name in the reader's dictionary, once bound to a reader.
        var interned: InternedName?
    }

    package enum Step {
        case element(Name)
        case attribute(Name)
        case text
        case this
    }

    package let steps: [Step]

    package init?(_ expression: String, namespaces: [String: String]) {
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
            let qualified = Name(uri: uri, local: local)
            steps.append(isAttribute ? .attribute(qualified) : .element(qualified))
        }
        self.steps = steps
    }

    private init(steps: [Step]) { self.steps = steps }

    /// This path with its names interned for one reader.
    func bound(_ intern: (String) -> InternedName?) -> SimpleFieldPath {
        func bind(_ name: Name) -> Name {
            var name = name
            name.interned = intern(String(decoding: name.local.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
            return name
        }
        return SimpleFieldPath(
            steps: steps.map { step in
                switch step {
                case .element(let name): return .element(bind(name))
                case .attribute(let name): return .attribute(bind(name))
                default: return step
                }
            })
    }

    private static func qname(_ name: Substring, namespaces: [String: String]) -> ([CChar]?, [CChar])? {
        let pieces = name.split(separator: ":", omittingEmptySubsequences: false)
        let valid: (Substring) -> Bool = { piece in
            guard let first = piece.unicodeScalars.first, first == "_" || CharacterSet.letters.contains(first) else {
                return false
            }
            return piece.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)
            }
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

    /// Appends the path's values under `node`. `interned`: the node's names are in the
    /// dictionary the path was bound to, so names compare by pointer.
    func collect(from node: xmlNodePtr, step: Int, interned: Bool, into out: inout RecordBatch) {
        guard step < steps.count else {
            if Self.hasElementChild(node) {
                out.elementWithChildren = true
                return
            }
            if let content = xmlNodeGetContent(node) {
                out.append(content)
                ar_xml_free(content)
            }
            return
        }
        switch steps[step] {
        case .this:
            collect(from: node, step: step + 1, interned: interned, into: &out)
        case .text:
            var child = node.pointee.children
            while let current = child {
                if current.pointee.type == XML_TEXT_NODE || current.pointee.type == XML_CDATA_SECTION_NODE,
                    let content = current.pointee.content
                {
                    out.append(content)
                }
                child = current.pointee.next
            }
        case .element(let name):
            var child = node.pointee.children
            while let current = child {
                if current.pointee.type == XML_ELEMENT_NODE,
                    matches(current.pointee.name, current.pointee.ns, name, interned: interned)
                {
                    collect(from: current, step: step + 1, interned: interned, into: &out)
                }
                child = current.pointee.next
            }
        case .attribute(let name):
            var attribute = node.pointee.properties
            while let current = attribute {
                if matches(current.pointee.name, current.pointee.ns, name, interned: interned) {
                    // The usual attribute holds one text node: read it without copying through libxml2.
                    if let text = current.pointee.children, text.pointee.next == nil,
                        text.pointee.type == XML_TEXT_NODE,
                        let content = text.pointee.content
                    {
                        out.append(content)
                    } else if let value = xmlNodeGetContent(
                        UnsafeMutableRawPointer(current).assumingMemoryBound(to: xmlNode.self))
                    {
                        out.append(value)
                        ar_xml_free(value)
                    }
                }
                attribute = current.pointee.next
            }
        }
    }

    /// Whether an element has an element among its children: its text would be the run-together
    /// text of its descendants, never a field's value.
    static func hasElementChild(_ node: xmlNodePtr) -> Bool {
        guard node.pointee.type == XML_ELEMENT_NODE else { return false }
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE { return true }
            child = current.pointee.next
        }
        return false
    }

    private func matches(_ nodeName: UnsafePointer<xmlChar>?, _ ns: xmlNsPtr?, _ name: Name, interned: Bool) -> Bool {
        guard let nodeName else { return false }
        let sameName =
            if interned, let pointer = name.interned {
                nodeName == pointer
            } else {
                name.local.withUnsafeBufferPointer {
                    strcmp(UnsafeRawPointer(nodeName).assumingMemoryBound(to: CChar.self), $0.baseAddress!) == 0
                }
            }
        guard sameName else { return false }
        switch (name.uri, ns?.pointee.href) {
        case (nil, nil): return true
        case (let uri?, let href?):
            return uri.withUnsafeBufferPointer {
                strcmp(UnsafeRawPointer(href).assumingMemoryBound(to: CChar.self), $0.baseAddress!) == 0
            }
        default: return false
        }
    }
}
