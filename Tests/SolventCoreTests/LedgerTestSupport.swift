// The builders, `LedgerDriver`, `SplitMix64` and the engine's history generator live in the
// SolventTestSupport module, shared with SolventAuditTests; every file here sees them.
@_exported import SolventTestSupport
