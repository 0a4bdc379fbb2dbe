// One market's holders for auto-deleveraging, kept as positions and cash change, so that a
// backstop ranks only the few holders it may take (issue 21) instead of scoring every holder of
// the side (the full sort it must equal is the reference of ADLIndexPropertyTests).
//
// BitMEX ranks by "PNL Percentage * Effective Leverage (if PNL percentage > 0), = PNL
// Percentage / Effective Leverage (if PNL percentage < 0)" (bitmex.com/app/autoDeleveraging,
// "Priority Ranking Calculation"; rules 1 multiply at a loss too: Settlement.swift `adlScore`).
// Both factors depend on the mark, and the order of two holders changes as the mark moves, so
// no order kept between prices is the order at the next, and re-sorting at every price is the
// scan this replaces. What does not depend on the mark is where a holder sits in two
// coordinates that, with the mark, bound its score from above:
//   e = |openCost| / |qty| (its entry price) and r = cash / |qty| (its cash per unit),
// both scaled by 10^8 and rounded so that they bound the real quotients (e up for a short, down
// for a long; r down). For one market at mark P, with u = 10^8/|qty raw| ≤ 10^8 for the
// roundings of value and notional (each at most one raw unit):
//   short: PnL% ≤ 1 − P/e,  leverage ≤ (P + u) / (r − P − u)
//   long:  PnL% ≤ P/e − 1,  leverage ≤ (P + u) / (r + P − u)
// so the score, increasing in PnL% and in leverage (rules 2; rules 1 at a loss is ≤ 0), is at
// most `bound(e, rMin)` for any holder with a lower r and an entry on the near side of e. The
// index files holders by (e, r) in logarithmic buckets (`quantized`): a column per e-bucket
// holding its buckets in r order, each bucket with the least and greatest r and its column with
// the outermost e of the holders filed since it was last empty (ever looser, never wrong). Along
// a column the bound only falls as r rises, once past the holders whose equity is ≤ 0 for
// certain (r below P for a short, at most −P for a long): their score is exactly the floor.
//
// `ADLRanking` merges the columns lazily: it scores exactly (`adlScore`) every holder of a
// bucket whose bound is at least the best score found so far, and hands out a scored holder only
// when it ranks above every bound not yet opened (a bound equal to its score is opened first, for
// the tie by id). Every holder not yet scored then scores at most that bound, strictly below, so
// the sequence is the full sort's — scores and order — whatever the buckets' widths; the widths
// only decide how many holders are scored. Accounts holding several markets (their equity moves
// with the other marks) and positions whose open cost has an unusual sign are filed apart and
// always scored. Marks move no entry; a change of position or cash files the holder again before
// the next backstop (ADLUpdates.swift), and `invariantViolations` checks the filing.

/// Where one account sits in a market's index: its list (a bucket's or the always-scored one)
/// is linked through the places, so a bucket holds no array of its own (memory: a bucket per
/// holder or two is common with buckets this narrow).
struct ADLPlace: Equatable, Sendable {
    /// 0: not filed; 1: in a bucket; 2: always scored.
    var kind: UInt8 = 0
    /// 0: long, 1: short.
    var side: UInt8 = 0
    var eKey: Int32 = 0
    var rKey: Int32 = 0
    var previous = ADLIndex.end
    var next = ADLIndex.end

    static let none = ADLPlace()
}

/// What the index needs of one holder: its side and coordinates (file comment).
struct ADLEntry: Equatable, Sendable {
    var side: UInt8
    var alwaysScored: Bool
    var e: Int64
    var r: Int64

    var eKey: Int32 { ADLIndex.quantized(e, subBits: ADLIndex.eSubBits) }
    var rKey: Int32 { ADLIndex.quantized(r, subBits: ADLIndex.rSubBits) }

    /// The entry of a position `cell` of an account with `cash`; `multiMarket` when it holds
    /// positions in other markets too. Nil for no position.
    init?(cell: PositionCell, cash: Money, multiMarket: Bool) {
        guard !cell.qty.isZero else { return nil }
        let long = cell.qty.isPositive
        side = long ? 0 : 1
        let q = Int128(cell.qty.raw.magnitude)
        let scale = Int128(fixedScale)
        let cost = Int128(cell.openCost.raw)
        let e = long ? cost * scale / q : (-cost * scale + q - 1) / q
        r = Int64(clamping: ADLIndex.floorDivide(Int128(cash.raw) * scale, q))
        // A long's e is a lower bound and may be clamped down; a short's must not be.
        let usual = long ? cost > 0 && e > 0 : cost < 0 && e <= Int128(Int64.max)
        alwaysScored = multiMarket || !usual
        self.e = alwaysScored ? 0 : Int64(clamping: e)
    }
}

/// Something the index finds by key in a sorted array.
protocol ADLKeyed {
    var key: Int32 { get }
}

/// A run of holders of one side with nearby (e, r): the bounds of those filed since it was
/// last empty, and the first of its list.
struct ADLBucket: ADLKeyed, Sendable {
    var key: Int32
    var count: UInt32 = 0
    var rMin: Int64
    var rMax: Int64
    var head = ADLIndex.end
}

/// The buckets of one e-bucket, in r order; `e` bounds every entry filed (max for shorts, min
/// for longs) since it was last empty.
struct ADLColumn: ADLKeyed, Sendable {
    var key: Int32
    var e: Int64
    var buckets: [ADLBucket] = []
}

/// One side of a market.
struct ADLSide: Sendable {
    var columns: [ADLColumn] = []
    /// The first of the holders that are always scored (file comment).
    var alwaysScored = ADLIndex.end
}

struct ADLIndex: Sendable {
    /// Long, short.
    private(set) var sides = [ADLSide(), ADLSide()]
    /// By account index, grown as accounts are filed.
    private(set) var places: [ADLPlace] = []

    /// No account: the end of a list.
    static let end = UInt32.max

    /// Width of the logarithmic buckets: 2^-8 of an octave in e and in r (about 0.27 %). The
    /// order handed out is exact at any width; narrower buckets score fewer holders per backstop
    /// but cost memory: at 2^-10, `bench replay`'s `memory.per_account` was 325 bytes, over SPEC
    /// §10's 300, and 297 at 2^-8, with `bench simulate` still above 55,000 records/s.
    static let eSubBits = 8
    static let rSubBits = 8

    func place(of account: Int) -> ADLPlace { account < places.count ? places[account] : .none }

    /// Room for places up to `count` accounts, so that growing one account at a time does not
    /// double the array past the ledger's own (memory per account, SPEC §10).
    mutating func reserve(_ count: Int) {
        if places.capacity < count { places.reserveCapacity(count) }
    }

    /// Files `account` under `entry`, or takes it out (nil). O(log buckets).
    mutating func file(_ account: Int, _ entry: ADLEntry?) {
        let held = place(of: account)
        if let entry, held.kind != 0, held.side == entry.side, (held.kind == 2) == entry.alwaysScored,
           entry.alwaysScored || (held.eKey == entry.eKey && held.rKey == entry.rKey) {
            if !entry.alwaysScored {
                let side = Int(held.side)
                let c = Self.search(sides[side].columns, held.eKey).index
                widen(side: side, column: c, bucket: Self.search(sides[side].columns[c].buckets, held.rKey).index, by: entry)
            }
            return
        }
        if held.kind != 0 { remove(account, held) }
        guard let entry else { return }
        if account >= places.count { places.append(contentsOf: repeatElement(.none, count: account + 1 - places.count)) }
        let side = Int(entry.side)
        if entry.alwaysScored {
            places[account] = ADLPlace(kind: 2, side: entry.side, next: sides[side].alwaysScored)
            link(account, before: sides[side].alwaysScored)
            sides[side].alwaysScored = UInt32(account)
            return
        }
        let (eKey, rKey) = (entry.eKey, entry.rKey)
        let c = Self.search(sides[side].columns, eKey)
        if !c.found { sides[side].columns.insert(ADLColumn(key: eKey, e: entry.e), at: c.index) }
        let b = Self.search(sides[side].columns[c.index].buckets, rKey)
        if !b.found { sides[side].columns[c.index].buckets.insert(ADLBucket(key: rKey, rMin: entry.r, rMax: entry.r), at: b.index) }
        let head = sides[side].columns[c.index].buckets[b.index].head
        places[account] = ADLPlace(kind: 1, side: entry.side, eKey: eKey, rKey: rKey, next: head)
        link(account, before: head)
        sides[side].columns[c.index].buckets[b.index].head = UInt32(account)
        sides[side].columns[c.index].buckets[b.index].count += 1
        widen(side: side, column: c.index, bucket: b.index, by: entry)
    }

    /// Puts `account` (its `next` already `head`) in front of `head`.
    private mutating func link(_ account: Int, before head: UInt32) {
        if head != Self.end { places[Int(head)].previous = UInt32(account) }
    }

    /// Keeps the bounds of a bucket and its column covering `entry`.
    private mutating func widen(side: Int, column c: Int, bucket b: Int, by entry: ADLEntry) {
        let e = sides[side].columns[c].e
        sides[side].columns[c].e = side == 0 ? min(e, entry.e) : max(e, entry.e)
        sides[side].columns[c].buckets[b].rMin = min(sides[side].columns[c].buckets[b].rMin, entry.r)
        sides[side].columns[c].buckets[b].rMax = max(sides[side].columns[c].buckets[b].rMax, entry.r)
    }

    private mutating func remove(_ account: Int, _ held: ADLPlace) {
        let side = Int(held.side)
        places[account] = .none
        if held.next != Self.end { places[Int(held.next)].previous = held.previous }
        if held.previous != Self.end {
            places[Int(held.previous)].next = held.next
        } else if held.kind == 2 {
            sides[side].alwaysScored = held.next
        }
        guard held.kind == 1 else { return }
        let c = Self.search(sides[side].columns, held.eKey).index
        let b = Self.search(sides[side].columns[c].buckets, held.rKey).index
        if held.previous == Self.end { sides[side].columns[c].buckets[b].head = held.next }
        sides[side].columns[c].buckets[b].count -= 1
        if sides[side].columns[c].buckets[b].count == 0 {
            sides[side].columns[c].buckets.remove(at: b)
            if sides[side].columns[c].buckets.isEmpty { sides[side].columns.remove(at: c) }
        }
    }

    /// The first position whose key is ≥ `key`, and whether it is equal.
    static func search<T: ADLKeyed>(_ items: [T], _ key: Int32) -> (index: Int, found: Bool) {
        var low = 0
        var high = items.count
        while low < high {
            let mid = (low + high) / 2
            if items[mid].key < key { low = mid + 1 } else { high = mid }
        }
        return (low, low < items.count && items[low].key == key)
    }

    /// A non-decreasing map of `x` to buckets 2^-subBits of an octave wide (exact below 2^subBits).
    static func quantized(_ x: Int64, subBits: Int) -> Int32 {
        if x < 0 { return -quantized(magnitude: x.magnitude, subBits: subBits) - 1 }
        return quantized(magnitude: UInt64(x), subBits: subBits)
    }

    private static func quantized(magnitude m: UInt64, subBits: Int) -> Int32 {
        guard m > 0 else { return 0 }
        let octave = 63 - m.leadingZeroBitCount
        let mask = (UInt64(1) << subBits) - 1
        let fraction = octave >= subBits ? (m >> (octave - subBits)) & mask : (m << (subBits - octave)) & mask
        return Int32((octave + 1) << subBits) | Int32(fraction)
    }

    /// ⌊a / b⌋ for b > 0.
    static func floorDivide(_ a: Int128, _ b: Int128) -> Int128 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    /// An upper bound of the score (Settlement.swift `adlScore`) of every holder of a side with
    /// entry bound `e` (≥ 1), r ≥ `rMin`, at `mark` (file comment for the inequalities; every
    /// step here rounds towards a larger bound).
    static func bound(long: Bool, e: Int64, rMin: Int64, mark: Price, lossDivides: Bool) -> Int64 {
        let scale = Int128(fixedScale)
        let price = Int128(mark.raw)
        let pnlBound = long ? (price * scale + Int128(e) - 1) / Int128(e) - scale : scale - price * scale / Int128(e)
        // The ledger's PnL% and leverage are Int64, so bounds beyond stay bounds when clamped.
        let pnl = Int128(Int64(clamping: pnlBound))
        let denominator = Int128(rMin) + (long ? price : -price) - scale
        let leverage: Int128? = denominator > 0 ? Int128(Int64(clamping: scale * (price + scale) / denominator)) : nil
        let bound: Int128
        if pnl >= 0 {
            guard let leverage else { return .max }
            bound = pnl * leverage / scale
        } else if lossDivides, let leverage {
            // Rounds towards zero: up, as the score's division. No leverage: the floor score.
            bound = leverage > 0 ? pnl * scale / leverage : Int128(ADLIndex.floorScore)
        } else {
            bound = 0
        }
        return max(Int64(clamping: bound), ADLIndex.floorScore)
    }

    /// The score of a holder whose equity is ≤ 0 (Settlement.swift `adlScore`): ranked last.
    static let floorScore = Int64.min / 2

    /// Whether every holder of `bucket` has equity ≤ 0 at `mark` for certain (r < rMax + 1 ≤ P
    /// for a short, ≤ −P for a long): its score is exactly the floor.
    static func isUnderwater(_ bucket: ADLBucket, long: Bool, mark: Price) -> Bool {
        Int128(bucket.rMax) + 1 <= (long ? -Int128(mark.raw) : Int128(mark.raw))
    }
}

extension ADLIndex {
    /// Problems with the index against `expected` entries by account (for `invariantViolations`).
    func violations(expected: (Int) -> ADLEntry?, accounts: Int, skipping touched: (Int) -> Bool) -> [String] {
        var problems: [String] = []
        for account in 0..<accounts where !touched(account) {
            let held = place(of: account)
            guard let entry = expected(account) else {
                if held.kind != 0 { problems.append("ADL index files account \(account) without a position") }
                continue
            }
            guard held.kind == (entry.alwaysScored ? 2 : 1), held.side == entry.side else {
                problems.append("ADL index files account \(account) wrongly")
                continue
            }
            if entry.alwaysScored { continue }
            let side = sides[Int(entry.side)]
            let c = Self.search(side.columns, entry.eKey)
            let b = c.found ? Self.search(side.columns[c.index].buckets, entry.rKey) : (index: 0, found: false)
            guard c.found, b.found, held.eKey == entry.eKey, held.rKey == entry.rKey else {
                problems.append("ADL index files account \(account) in the wrong bucket")
                continue
            }
            let column = side.columns[c.index]
            let bucket = column.buckets[b.index]
            let eCovered = entry.side == 0 ? column.e <= entry.e : column.e >= entry.e
            if !eCovered || bucket.rMin > entry.r || bucket.rMax < entry.r {
                problems.append("ADL bounds of account \(account)'s bucket do not cover it")
            }
        }
        return problems + listViolations()
    }

    /// Every list runs from its head through places that name it, as long as its count says.
    private func listViolations() -> [String] {
        var problems: [String] = []
        var listed = 0
        for (s, side) in sides.enumerated() {
            var account = side.alwaysScored
            var previous = Self.end
            while account != Self.end, listed <= places.count {
                if places[Int(account)].kind != 2 || places[Int(account)].side != s || places[Int(account)].previous != previous {
                    problems.append("ADL always-scored list broken at \(account)")
                }
                listed += 1
                previous = account
                account = places[Int(account)].next
            }
            for column in side.columns {
                for bucket in column.buckets {
                    var count: UInt32 = 0
                    account = bucket.head
                    previous = Self.end
                    while account != Self.end, listed <= places.count {
                        let place = places[Int(account)]
                        if place.kind != 1 || place.side != s || place.eKey != column.key || place.rKey != bucket.key || place.previous != previous {
                            problems.append("ADL bucket list broken at \(account)")
                        }
                        count += 1
                        listed += 1
                        previous = account
                        account = place.next
                    }
                    if count != bucket.count || count == 0 { problems.append("ADL bucket count \(bucket.count) ≠ its list \(count)") }
                }
            }
        }
        if listed != places.count(where: { $0.kind != 0 }) { problems.append("ADL lists hold \(listed) of the filed accounts") }
        return problems
    }
}
