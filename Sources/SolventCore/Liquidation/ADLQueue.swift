// Scored ADL candidates in ranking order, taken one at a time (SPEC §5.8, docs/LIQUIDATION.md
// "Backstop, insurance, ADL"). A backstop that deleverages usually takes only the first few
// holders, so sorting all of them per backstop (O(n log n)) was most of a large cascade's time
// (docs/CASCADES.md "performance"). A binary heap is built in O(n), takes more candidates in
// O(log n) each (`ADLRanking` adds them as it scores them) and gives each next one in O(log n)
// (Williams 1964; Floyd 1964 for the O(n) build).
//
// The order is the full sort's exactly: `ranksBefore` is a strict total order (score
// descending, then account id ascending, and ids are unique), so the sequence of maxima a heap
// pops is the one sorted order; nothing depends on the heap's internal layout.

struct ADLQueue: Sequence, IteratorProtocol {
    typealias Element = (index: Int, score: Rate)

    /// Each candidate with its account id, read only to break a tie in score (kept here: a
    /// lookup into the ledger would hold a copy of its accounts while the backstop moves them).
    private var heap: [(element: Element, id: AccountID)]

    /// `candidates` in any order; `ids[index]` is each candidate's account id.
    init(_ candidates: [Element], ids: [AccountID]) {
        self.init(candidates, id: { ids[$0] })
    }

    /// `candidates` in any order; `id(index)` is each candidate's account id.
    init(_ candidates: [Element], id: (Int) -> AccountID) {
        heap = candidates.map { ($0, id($0.index)) }
        var parent = heap.count / 2
        while parent > 0 {
            parent -= 1
            siftDown(from: parent)
        }
    }

    /// Adds a candidate. O(log n).
    mutating func push(_ element: Element, id: AccountID) {
        heap.append((element, id))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard ranksBefore(heap[child], heap[parent]) else { return }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    /// The ranking rule: higher score first, ties by account id.
    private func ranksBefore(_ a: (element: Element, id: AccountID), _ b: (element: Element, id: AccountID)) -> Bool {
        a.element.score != b.element.score ? a.element.score > b.element.score : a.id < b.id
    }

    /// Candidates not taken yet.
    var underestimatedCount: Int { heap.count }

    /// The best ranked candidate not taken yet, without taking it.
    var first: Element? { heap.first?.element }

    /// The best ranked candidate not taken yet.
    mutating func next() -> Element? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(from: 0)
        }
        return first.element
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
