import AccessReviewCore
import Testing

/// `@Suite(.processStarted)`: the process-wide settings the executable makes at start-up
/// (`ProcessSetup.start()`), made before each test of the suite, whichever test runs first.
public struct ProcessStarted: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        ProcessSetup.start()
        try await function()
    }
}

extension Trait where Self == ProcessStarted {
    public static var processStarted: ProcessStarted { ProcessStarted() }
}
