// The ADL candidates of one backstop in ranking order, read off a market's `ADLIndex` lazily:
// a bucket's holders are scored only once its bound reaches the best score not yet handed out
// (ADLIndex.swift says why that is exactly the full sort's order).

struct ADLRanking {
    typealias Element = ADLQueue.Element

    /// The side of the market ranked (a copy: the index does not change while a backstop runs,
    /// `Ledger.refreshADLIndex` files what moved before the next one).
    private let side: ADLSide
    /// The index's places, which link each bucket's holders.
    private let places: [ADLPlace]
    private let long: Bool
    private let mark: Price
    private let market: Int
    private let excluded: Int
    private let lossDivides: Bool
    private var scored: ADLQueue
    /// Per column: where its walk starts (past the buckets underwater for certain, which come
    /// last) and how many buckets it has opened.
    private var start: [Int] = []
    private var opened: [Int] = []
    /// The bound of each column's next bucket, nil when it has opened them all.
    private var bounds: [Int64?] = []

    /// Nothing to rank.
    init() {
        side = ADLSide()
        places = []
        long = false
        mark = Price(raw: 1)
        market = 0
        excluded = -1
        lossDivides = false
        scored = ADLQueue([], ids: [])
    }

    /// The holders of `side` of market `m` in `ledger`, but `excluded`, at `mark`.
    init(_ index: ADLIndex, long: Bool, market m: Int, mark: Price, excluding excluded: Int, in ledger: Ledger) {
        side = index.sides[long ? 0 : 1]
        places = index.places
        self.long = long
        self.mark = mark
        market = m
        self.excluded = excluded
        lossDivides = ledger.rules.fundIsMargined
        scored = ADLQueue([], ids: [])
        scoreList(from: side.alwaysScored, in: ledger)
        start.reserveCapacity(side.columns.count)
        for column in side.columns {
            var low = 0
            var high = column.buckets.count
            while low < high {
                let mid = (low + high) / 2
                if ADLIndex.isUnderwater(column.buckets[mid], long: long, mark: mark) { low = mid + 1 } else { high = mid }
            }
            start.append(low)
        }
        opened = Array(repeating: 0, count: side.columns.count)
        bounds = side.columns.indices.map { bound(column: $0) }
    }

    /// The best ranked candidate not handed out yet, scored against `ledger`, which must not
    /// have changed for any holder not handed out yet.
    mutating func next(in ledger: Ledger) -> Element? {
        while let c = bestColumn(), bounds[c]! >= (scored.first?.score.raw ?? Int64.min) {
            open(column: c, in: ledger)
        }
        return scored.next()
    }

    private func bestColumn() -> Int? {
        var best: Int?
        for c in bounds.indices {
            guard let bound = bounds[c] else { continue }
            if best == nil || bound > bounds[best!]! { best = c }
        }
        return best
    }

    /// The bucket the column opens next: those from `start` up in r order, then the
    /// underwater ones.
    private func bucket(column c: Int) -> Int? {
        let count = side.columns[c].buckets.count
        guard opened[c] < count else { return nil }
        return (start[c] + opened[c]) % count
    }

    /// Non-increasing along a column: the r bound rises bucket by bucket, then the floor.
    private func bound(column c: Int) -> Int64? {
        guard let b = bucket(column: c) else { return nil }
        if b < start[c] { return ADLIndex.floorScore }
        let column = side.columns[c]
        return ADLIndex.bound(long: long, e: column.e, rMin: column.buckets[b].rMin, mark: mark, lossDivides: lossDivides)
    }

    private mutating func open(column c: Int, in ledger: Ledger) {
        let b = bucket(column: c)!
        scoreList(from: side.columns[c].buckets[b].head, in: ledger)
        opened[c] += 1
        let next = bound(column: c)
        precondition(next == nil || next! <= bounds[c]!, "ADL bounds rise along a column")
        bounds[c] = next
    }

    private mutating func scoreList(from head: UInt32, in ledger: Ledger) {
        var account = head
        while account != ADLIndex.end {
            score(Int(account), in: ledger)
            account = places[Int(account)].next
        }
    }

    private mutating func score(_ index: Int, in ledger: Ledger) {
        guard index != excluded, index > Ledger.feesIndex, !ledger.accounts.states[index].isLiquidating else { return }
        let cell = ledger.markets[market].cell(index)
        let score = ledger.adlScore(account: index, cell: cell, market: market, mark: mark)
        scored.push((index, score), id: ledger.accounts.id(index))
    }
}
