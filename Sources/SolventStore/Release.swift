import SolventCore

/// The release both executables report with `--version`, beside the two numbers that decide
/// whether a log can be read and re-derived: the log format (`EventLog.supportedFormatVersion`,
/// with the record encoding `RecordCodec.formatVersion`) and the engine rules
/// (`RulesVersion.current`, docs/FORMAT.md "Engine rules").
public enum Release {
    /// The one place the release number is written.
    public static let number = "0.4.0"

    /// `0.4.0 (log format 2, record encoding 1, engine rules 3, reads logs of rules 1–3)`.
    public static var versionText: String {
        "\(number) (log format \(EventLog.supportedFormatVersion), record encoding \(RecordCodec.formatVersion), "
            + "engine rules \(RulesVersion.current), reads logs of rules \(RulesVersion.first)–\(RulesVersion.current))"
    }
}
