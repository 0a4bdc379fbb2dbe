@testable import SolventServer
import Testing

@Suite struct ReplyOrderTests {
    @Test func repliesLeaveInRequestOrderWhateverOrderTheyAreReadyIn() {
        var order = ReplyOrder<String>()
        let first = order.open(), second = order.open(), third = order.open()
        #expect(order.fill(third, with: "c") == [])
        #expect(order.fill(second, with: "b") == [])
        #expect(order.inFlight == 3)
        #expect(order.fill(first, with: "a") == ["a", "b", "c"])
        #expect(order.inFlight == 0)
        let fourth = order.open()
        #expect(order.fill(fourth, with: "d") == ["d"])
    }
}
