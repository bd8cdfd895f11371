import AccessReviewCore
import Foundation

/// libFuzzer targets for the readers of untrusted input: `make fuzz` builds this with
/// `-sanitize=fuzzer -DFUZZING` and runs each target (`ACCESSREVIEW_FUZZ_TARGET` = ldif,
/// xml, yaml or sheet) from a seed corpus made of the Samples. A plain build makes a program
/// that says how to run it. Any crash, hang or memory blow-up libFuzzer finds is a bug: the
/// readers must answer every input with a value or an error.
enum FuzzTarget: String, CaseIterable {
    case ldif, xml, yaml, sheet

    static let current: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["ACCESSREVIEW_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("set ACCESSREVIEW_FUZZ_TARGET to ldif, xml, yaml or sheet\n".utf8))
            exit(2)
        }
        return target
    }()

    /// The mapping the XML target reads exports with: the Samples' ESDH mapping.
    static let mapping: SystemMapping = {
        let path = ProcessInfo.processInfo.environment["ACCESSREVIEW_FUZZ_MAPPING"] ?? "Mappings/systems/esdh.yaml"
        do {
            return try SystemMapping.load(path: path, kind: .system, expectedSystem: nil)
        } catch {
            FileHandle.standardError.write(Data("cannot read the mapping \(path): \(error)\n".utf8))
            exit(2)
        }
    }()

    /// A file of this process's own that each input is written to (the readers read files).
    static let scratch: String = {
        let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("accessreview-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }()

    func run(_ data: Data) {
        switch self {
        case .ldif:
            let path = Self.file("input.ldif", data)
            _ = try? LDIFReader.read(path: path) { _ in }
        case .xml:
            let path = Self.file("input.xml", data)
            _ = try? ExportLoader.loadSystem(export: path, mapping: Self.mapping)
        case .yaml:
            let text = String(decoding: data, as: UTF8.self)
            _ = try? RunConfig.parse(text, file: "fuzz.yaml")
            _ = try? Handbook.parse(text, file: "fuzz.yaml")
            _ = try? SystemMapping.parse(text, file: "fuzz.yaml", kind: .system, expectedSystem: nil)
        case .sheet:
            // The same bytes as a workbook and as a CSV.
            _ = try? ReturnedSheetReader.read(path: Self.file("input.xlsx", data), maximumRows: 5_000)
            _ = try? ReturnedSheetReader.read(path: Self.file("input.csv", data), maximumRows: 5_000)
        }
    }

    static func file(_ name: String, _ data: Data) -> String {
        let path = (scratch as NSString).appendingPathComponent(name)
        FileManager.default.createFile(atPath: path, contents: data)
        return path
    }
}

#if FUZZING
    /// libFuzzer's driver (`-sanitize=fuzzer` links it); SwiftPM names an executable's entry
    /// point itself, so the driver is started from there rather than from libFuzzer's `main`.
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<Int32>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    ) -> Int32

    /// What libFuzzer calls with each input.
    @_cdecl("LLVMFuzzerTestOneInput")
    func fuzzOne(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        FuzzTarget.current.run(bytes.map { Data(bytes: $0, count: size) } ?? Data())
        return 0
    }

    @_cdecl("accessreview_fuzz_main")
    func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
        ProcessSetup.start()
        if FuzzTarget.current == .xml { _ = FuzzTarget.mapping }
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments) { fuzzOne($0, $1) }
    }
#else
    @main
    enum FuzzMain {
        static func main() {
            print("accessreview-fuzz: build and run it with `make fuzz` (libFuzzer, -sanitize=fuzzer)")
        }
    }
#endif
