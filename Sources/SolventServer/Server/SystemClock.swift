import Foundation
import SolventCore

/// The wall clock in Unix milliseconds: the receipt time of inputs sent without `time`.
public enum SystemClock {
    @Sendable public static func nowMs() -> TimeMs {
        TimeMs(Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
