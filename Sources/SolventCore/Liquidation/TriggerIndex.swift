/// One market's accounts indexed by the marks that must wake them (SPEC §5 "fast ticks"), so a
/// price update costs O(log n + crossed) and O(1) when it crosses nothing.
///
/// Each account watches a band: `fallingTo` wakes it when the mark falls to or below that price,
/// `risingTo` when the mark rises to or above. The caller sets the nearest trigger on each side;
/// for a position in market m (other marks held fixed):
/// - long, healthy: `fallingTo` = its margin-call price (else its liquidation price), no `risingTo`;
/// - long, in the margin-call zone: `fallingTo` = liquidation price, `risingTo` = margin-call
///   price (the mark at which `margin.call.cleared` is due);
/// - short: the mirror image; being liquidated, or no position: `remove`.
/// One band per account rather than one entry per kind of price: only the nearest trigger on a
/// side can be met first, and a tick that jumps past both returns the account once.
///
/// Contract: `crossed(by:)` is a filter, never the decision. It returns every account whose
/// trigger the mark reaches (a mark exactly at a trigger counts) and nothing else; the caller
/// re-assesses those accounts exactly and calls `update` or `remove` for each. Crossed accounts
/// stay indexed until then, so forgetting to re-arm one repeats it rather than losing it. The
/// index can only be as safe as the triggers it is given: they must be rounded towards the side
/// where the event happens earlier (as `LiquidationPrice` does), and re-set whenever anything
/// that moves them changes (cash, position, tier, parameters, or another market's mark under
/// cross margin).
///
/// Memory: two B+ trees of 12-byte entries (≥ 1/3 full, about 2/3 in practice) plus 16 bytes per
/// account index up to the highest one seen, so indices should be the ledger's dense ones.
public struct TriggerIndex: Sendable {
    private(set) var falling = TriggerTree()
    private(set) var rising = TriggerTree()
    /// Each account's current triggers by account index, raw; 0 means none (triggers are > 0).
    /// Both sides in one element: `update` reads both, and one cache line instead of two per
    /// re-armed account was ~6% of replay (cache misses, 100k accounts).
    private var bands: [RawBand] = []

    private struct RawBand: Sendable {
        var falling: Int64
        var rising: Int64
    }
    /// Nearest triggers, cached so that a tick that crosses nothing is two comparisons.
    private var highestFallingRaw = Int64.min
    private var lowestRisingRaw = Int64.max

    public init() {}

    /// How many triggers are set, both sides counted.
    public var triggerCount: Int { falling.count + rising.count }

    /// The highest falling trigger: the first a falling mark reaches. O(1).
    public var highestFalling: Price? { falling.isEmpty ? nil : Price(raw: highestFallingRaw) }

    /// The lowest rising trigger: the first a rising mark reaches. O(1).
    public var lowestRising: Price? { rising.isEmpty ? nil : Price(raw: lowestRisingRaw) }

    /// Whether `mark` crosses any trigger. O(1).
    public func crossesAny(_ mark: Price) -> Bool {
        mark.raw <= highestFallingRaw || mark.raw >= lowestRisingRaw
    }

    /// The account's triggers, `nil` on a side that has none.
    public func triggers(of account: UInt32) -> (fallingTo: Price?, risingTo: Price?) {
        let index = Int(account)
        guard index < bands.count else { return (nil, nil) }
        return (Self.price(bands[index].falling), Self.price(bands[index].rising))
    }

    /// Sets the account's band, replacing what it had. O(log n); free when unchanged.
    public mutating func update(_ account: UInt32, fallingTo: Price?, risingTo: Price?) {
        update(account, fallingTo: fallingTo, risingTo: risingTo, holding: nil)
    }

    /// `update`, told what the account holds now (`triggers(of:)`, when the caller knows it):
    /// then the account's slot is only written, never read first — with 100k accounts that
    /// read was a cache miss per re-armed account. Debug builds check `holding`.
    mutating func update(_ account: UInt32, fallingTo: Price?, risingTo: Price?,
                         holding known: (fallingTo: Price?, risingTo: Price?)?) {
        let newFalling = Self.raw(fallingTo)
        let newRising = Self.raw(risingTo)
        let index = Int(account)
        if index >= bands.count {
            guard newFalling != 0 || newRising != 0 else { return }
            grow(to: index + 1)
        }
        let old = known.map { RawBand(falling: Self.raw($0.fallingTo), rising: Self.raw($0.risingTo)) } ?? bands[index]
        assert(old.falling == bands[index].falling && old.rising == bands[index].rising, "stale band handed to update")
        if old.falling != newFalling { setFalling(account, from: old.falling, to: newFalling) }
        if old.rising != newRising { setRising(account, from: old.rising, to: newRising) }
    }

    /// Drops the account's triggers; nothing happens if it had none. O(log n).
    public mutating func remove(_ account: UInt32) {
        update(account, fallingTo: nil, risingTo: nil, holding: nil)
    }

    /// `remove`, told what the account holds now (see `update(_:fallingTo:risingTo:holding:)`).
    mutating func remove(_ account: UInt32, holding known: (fallingTo: Price?, risingTo: Price?)?) {
        update(account, fallingTo: nil, risingTo: nil, holding: known)
    }

    /// Every account whose trigger `mark` reaches. `fell`: falling triggers ≥ mark; `rose`:
    /// rising triggers ≤ mark; each ascending by trigger price, then by account index.
    /// O(1) when nothing is crossed, else O(log n + crossed).
    public func crossed(by mark: Price) -> TriggerHits {
        var hits = TriggerHits()
        guard crossesAny(mark) else { return hits }
        if mark.raw <= highestFallingRaw {
            falling.walk(from: TriggerKey(price: mark.raw, account: 0)) { key in
                hits.fell.append(key.account)
                return true
            }
        }
        if mark.raw >= lowestRisingRaw {
            rising.walk(from: nil) { key in
                guard key.price <= mark.raw else { return false }
                hits.rose.append(key.account)
                return true
            }
        }
        return hits
    }

    /// `crossed(by:)` for a caller holding the index in place (`Ledger.crossedHolders`):
    /// mutating, so the index is borrowed under exclusive access rather than copied.
    mutating func crossedInPlace(by mark: Price) -> TriggerHits {
        crossed(by: mark)
    }

    // MARK: Private

    private mutating func setFalling(_ account: UInt32, from old: Int64, to new: Int64) {
        if old != 0 { falling.remove(TriggerKey(price: old, account: account)) }
        if new != 0 { falling.insert(TriggerKey(price: new, account: account)) }
        bands[Int(account)].falling = new
        if new > highestFallingRaw {
            highestFallingRaw = new
        } else if old == highestFallingRaw {
            highestFallingRaw = falling.last?.price ?? .min
        }
    }

    private mutating func setRising(_ account: UInt32, from old: Int64, to new: Int64) {
        if old != 0 { rising.remove(TriggerKey(price: old, account: account)) }
        if new != 0 { rising.insert(TriggerKey(price: new, account: account)) }
        bands[Int(account)].rising = new
        if new != 0 && new < lowestRisingRaw {
            lowestRisingRaw = new
        } else if old == lowestRisingRaw {
            lowestRisingRaw = rising.first?.price ?? .max
        }
    }

    private mutating func grow(to count: Int) {
        bands.append(contentsOf: repeatElement(RawBand(falling: 0, rising: 0), count: count - bands.count))
    }

    private static func raw(_ price: Price?) -> Int64 {
        guard let price else { return 0 }
        precondition(price.raw > 0, "a trigger price must be positive")
        return price.raw
    }

    private static func price(_ raw: Int64) -> Price? { raw == 0 ? nil : Price(raw: raw) }
}

/// The accounts a mark crossed, in `TriggerIndex.crossed(by:)` order. An account appears in both
/// lists only if its band is empty (`fallingTo ≥ risingTo`).
public struct TriggerHits: Equatable, Sendable {
    /// Accounts whose falling trigger is at or above the mark.
    public var fell: [UInt32] = []
    /// Accounts whose rising trigger is at or below the mark.
    public var rose: [UInt32] = []

    public init(fell: [UInt32] = [], rose: [UInt32] = []) {
        self.fell = fell
        self.rose = rose
    }

    public var isEmpty: Bool { fell.isEmpty && rose.isEmpty }
}
