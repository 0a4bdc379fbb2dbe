import Foundation
import SolventCore
import SolventServer
import SolventStore
import Testing

@Suite struct AccessTests {
    private static let market = #"{"kind":"market.listed","market":"BTC-PERP","lotSize":"0.001","tickSize":"0.1","tiers":[{"notionalCap":"50000","mmr":"0.004","imr":"0.008","maintAmount":"0"}]}"#
    private static let price = #"{"kind":"oracle.price","market":"BTC-PERP","price":"20000","publishTime":1}"#

    /// A server whose only role maps this test process's uid to `kinds`.
    private func withServer<T>(roles: Roles, _ body: (String) async throws -> T) async throws -> T {
        try await SolventServerTests.withServer(options: ServerOptions(roles: roles), body)
    }

    @Test func aPeerWhoseRoleDoesNotCoverTheKindIsRefusedAndNothingIsLogged() async throws {
        let roles = Roles([Roles.Role(name: "feeder", uids: [getuid()], kinds: [KindPattern("market.listed")!, KindPattern("oracle.*")!])])
        try await withServer(roles: roles) { socket in
            let replies = try await exchange(socket, [
                appendRequest(key: "m", event: Self.market),
                #"{"op":"status"}"#,
            ])
            #expect(replies[0]["ok"] == .bool(true))
            let before = try #require(number(replies[1]["seq"]))
            let refused = try await exchange(socket, [
                appendRequest(key: "d", event: deposit("alice", "100", ref: "d")),
                appendRequest(key: "p", event: Self.price),
                #"{"op":"status"}"#,
            ])
            #expect(errorCode(refused[0]) == "forbidden")
            #expect(string(refused[0]["key"]) == "d")
            #expect(string(refused[0]["error"]?["field"]) == "kind")
            #expect(refused[1]["ok"] == .bool(true))  // oracle.* covers oracle.price
            #expect(number(refused[1]["seq"]) == before + 1)
            #expect(number(refused[2]["seq"]) == before + 1)  // the deposit left no record
            // The key of a forbidden request was not stored: a permitted peer could use it.
            let again = try await exchange(socket, [appendRequest(key: "d", event: Self.price.replacingOccurrences(of: "\"publishTime\":1", with: "\"publishTime\":2"))])
            #expect(again[0]["ok"] == .bool(true))
        }
    }

    @Test func aPeerMatchingNoRoleMayOnlyQuery() async throws {
        let roles = Roles([Roles.Role(name: "other", uids: [getuid() &+ 1], kinds: [KindPattern("*")!])])
        try await withServer(roles: roles) { socket in
            let replies = try await exchange(socket, [
                appendRequest(key: "m", event: Self.market),
                #"{"op":"status"}"#,
            ])
            #expect(errorCode(replies[0]) == "forbidden")
            #expect(number(replies[1]["seq"]) == 0)
        }
    }

    @Test func aRoleMatchesByGroupToo() async throws {
        let roles = Roles([Roles.Role(name: "group", gids: [getgid()], kinds: [KindPattern("*")!])])
        try await withServer(roles: roles) { socket in
            let replies = try await exchange(socket, [appendRequest(key: "m", event: Self.market)])
            #expect(replies[0]["ok"] == .bool(true))
        }
    }

    @Test(arguments: [
        ("oracle.price", ["oracle.price"]),
        ("auction.*", ["auction.bid"]),
        ("*", EventKind.allCases.filter(\.isInput).map(\.name)),
    ])
    func kindPatternsSelectInputKinds(pattern: String, allowed: [String]) throws {
        let permission = AppendPermission(patterns: [try #require(KindPattern(pattern))])
        let inputs = EventKind.allCases.filter(\.isInput)
        #expect(inputs.filter { permission.allows($0) }.map(\.name) == allowed)
    }

    @Test func aRoleMatchesBySupplementaryGroup() {
        let roles = Roles([Roles.Role(name: "bots", gids: [4242], kinds: [KindPattern("auction.*")!])])
        let member = PeerCredentials(pid: 1, uid: 1000, gid: 1000, groups: [27, 4242])
        let outsider = PeerCredentials(pid: 1, uid: 1000, gid: 1000, groups: [27])
        #expect(roles.permission(for: member).allows(.auctionBid))
        #expect(!roles.permission(for: member).allows(.deposit))
        #expect(!roles.permission(for: outsider).allows(.auctionBid))
    }

    @Test func supplementaryGroupsComeFromProcStatusWhenItsIdsMatchThePeer() {
        let status = "Name:\tfeeder\nUid:\t1000\t1000\t1000\t1000\nGid:\t1001\t1001\t1001\t1001\nFDSize:\t64\nGroups:\t27 4242 \nNStgid:\t7\n"
        #expect(PeerCredentials.supplementaryGroups(status: status, uid: 1000, gid: 1001) == [27, 4242])
        // A reused pid now run by someone else: its groups are not the peer's.
        #expect(PeerCredentials.supplementaryGroups(status: status, uid: 1000, gid: 1002) == nil)
        #expect(PeerCredentials.supplementaryGroups(status: status, uid: 0, gid: 1001) == nil)
        let none = "Uid:\t5\t5\t5\t5\nGid:\t5\t5\t5\t5\nGroups:\t\n"
        #expect(PeerCredentials.supplementaryGroups(status: none, uid: 5, gid: 5) == [])
        #expect(PeerCredentials.supplementaryGroups(status: "Uid:\t5\nGid:\t5\nGroups:\tx\n", uid: 5, gid: 5) == nil)
        // This process's own status parses, with its real ids.
        let own = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        #expect(own.flatMap { PeerCredentials.supplementaryGroups(status: $0, uid: getuid(), gid: getgid()) } != nil)
    }

    @Test func malformedPatternsAreRejected() {
        for text in ["", "auction*", "*.bid", "a b", "oracle.**"] { #expect(KindPattern(text) == nil, "\(text)") }
    }
}
