// The ADL candidates of one backstop in ranking order, taken one at a time (SPEC §5.8,
// docs/LIQUIDATION.md "Backstop, insurance, ADL"). A backstop that deleverages usually consumes
// only the first few of a market's holders, so sorting all of them per backstop (O(n log n))
// was most of a large cascade's time (docs/CASCADES.md "performance"). A binary heap is built in
// O(n) and gives each next candidate in O(log n) (Williams 1964; Floyd 1964 for the O(n) build).
//
// The order is the full sort's exactly: `ranksBefore` is a strict total order (score
// descending, then account id ascending, and ids are unique), so the sequence of maxima a heap
// pops is the one sorted order; nothing depends on the heap's internal layout.

struct ADLQueue: Sequence, IteratorProtocol {
    typealias Element = (index: Int, score: Rate)

    private var heap: [Element]
    /// A candidate's account id, read only to break a tie in score.
    private let id: (Int) -> AccountID

    /// `candidates` in any order; `ids[index]` is each candidate's account id.
    init(_ candidates: [Element], ids: [AccountID]) {
        self.init(candidates, id: { ids[$0] })
    }

    /// `candidates` in any order; `id(index)` is each candidate's account id. A lookup instead of
    /// an array of every account's id, so a backstop allocates nothing per account it does not rank.
    init(_ candidates: [Element], id: @escaping (Int) -> AccountID) {
        heap = candidates
        self.id = id
        var parent = heap.count / 2
        while parent > 0 {
            parent -= 1
            siftDown(from: parent)
        }
    }

    /// The ranking rule: higher score first, ties by account id.
    private func ranksBefore(_ a: Element, _ b: Element) -> Bool {
        a.score != b.score ? a.score > b.score : id(a.index) < id(b.index)
    }

    /// Candidates not taken yet.
    var underestimatedCount: Int { heap.count }

    /// The best ranked candidate not taken yet.
    mutating func next() -> Element? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(from: 0)
        }
        return first
    }

    private mutating func siftDown(from start: Int) {
        var parent = start
        let count = heap.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { return }
            let right = left + 1
            let best = right < count && ranksBefore(heap[right], heap[left]) ? right : left
            guard ranksBefore(heap[best], heap[parent]) else { return }
            heap.swapAt(parent, best)
            parent = best
        }
    }
}
