import Foundation
import Hummingbird
import HummingbirdTesting
import SolventCore
import SolventDashboard
import Testing

/// Every page and API route answers from a real log (Fixtures/scenarios/liquidation.ndjson,
/// written through the journal), through Hummingbird's router test client.
@Suite struct RouteTests {
    @Test func everyPageAndAPIAnswersFromTheScenarioLog() async throws {
        try await withTemporaryDirectory { directory in
            let liquidation = try #require(try scenarioLog(directory))
            let board = try dashboard(directory)
            let lastSeq = board.board.lastSeqSeen
            #expect(lastSeq > liquidation)
            let app = Application(router: board.router())
            try await app.test(.router) { client in
                for (uri, needle) in [("/", "BTC-PERP"), ("/map", "liquidates (down)"), ("/map?market=BTC-PERP&bucket=50&buckets=10", "0.5 %"),
                                      ("/auctions", "Bids and fills"), ("/adl?market=BTC-PERP", "BTC-PERP longs"),
                                      ("/accounts/alice", "Records naming alice"), ("/liquidations/\(liquidation)", "<svg")] {
                    try await client.execute(uri: uri, method: .get) { response in
                        #expect(response.status == .ok, "\(uri)")
                        #expect(response.headers[.contentType]?.hasPrefix("text/html") == true, "\(uri)")
                        let body = String(buffer: response.body)
                        #expect(body.contains(needle), "\(uri) lacks \(needle)")
                        // Self-contained: nothing fetched from elsewhere (the SVG namespace is a name, not a fetch).
                        let fetched = body.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
                        #expect(!fetched.contains("http://") && !fetched.contains("https://") && !fetched.contains("//cdn"),
                                "\(uri) refers to something outside the page")
                    }
                }
                try await client.execute(uri: "/api/overview", method: .get) { response in
                    #expect(response.status == .ok)
                    let json = try JSONParser.parse(String(buffer: response.body))
                    #expect(json["seq"] == .number(String(lastSeq)))
                    #expect(json["liquidations"] != .number("0"))
                    #expect(json["markets"]?.arrayCount == 1)
                }
                for uri in ["/api/map", "/api/map?market=BTC-PERP", "/api/auctions", "/api/adl", "/api/accounts/alice",
                            "/api/liquidations/\(liquidation)"] {
                    try await client.execute(uri: uri, method: .get) { response in
                        #expect(response.status == .ok, "\(uri)")
                        #expect(response.headers[.contentType] == "application/json", "\(uri)")
                        _ = try JSONParser.parse(String(buffer: response.body))
                    }
                }
                try await client.execute(uri: "/metrics", method: .get) { response in
                    let text = String(buffer: response.body)
                    #expect(text.contains("solvent_dashboard_requests_total{route=\"/api/overview\",status=\"200\"} 1"), "\(text)")
                    #expect(text.contains("solvent_dashboard_sse_clients"))
                }
            }
        }
    }

    @Test func unknownThingsAreNotFoundPagesNotErrors() async throws {
        try await withTemporaryDirectory { directory in
            try scenarioLog(directory)
            let app = Application(router: try dashboard(directory).router())
            try await app.test(.router) { client in
                for uri in ["/accounts/nobody", "/accounts/%20bad%20id"] {
                    try await client.execute(uri: uri, method: .get) { response in
                        #expect(response.status == .notFound, "\(uri)")
                        #expect(String(buffer: response.body).contains("No account"), "\(uri)")
                        #expect(String(buffer: response.body).contains("<main"), "\(uri) is a page")
                    }
                }
                for uri in ["/api/accounts/nobody", "/liquidations/1", "/liquidations/x", "/api/liquidations/999999", "/api/map?market=NOPE"] {
                    try await client.execute(uri: uri, method: .get) { response in
                        #expect(response.status == .notFound, "\(uri)")
                    }
                }
                for uri in ["/map?bucket=0", "/map?buckets=100000", "/api/map?market=" + String(repeating: "x", count: 300)] {
                    try await client.execute(uri: uri, method: .get) { response in
                        #expect(response.status == .badRequest, "\(uri)")
                    }
                }
            }
        }
    }

    @Test func aNonLoopbackListenWithoutATokenRefusesToStart() async throws {
        try await withTemporaryDirectory { directory in
            try scenarioLog(directory)
            #expect(throws: DashboardError.self) { try dashboard(directory, listen: "0.0.0.0:8080") }
            #expect(throws: DashboardError.self) { try dashboard(directory, listen: "[::]:8080") }
            _ = try dashboard(directory, listen: "0.0.0.0:8080", token: "a-token-of-some-length")
            _ = try dashboard(directory, listen: "[::1]:0")
        }
    }

    @Test func aWrongTokenGets401AndTheRightOneEntersByHeaderOrCookie() async throws {
        try await withTemporaryDirectory { directory in
            try scenarioLog(directory)
            let token = "s3cret-token-of-the-risk-team"
            let app = Application(router: try dashboard(directory, listen: "0.0.0.0:0", token: token).router())
            try await app.test(.router) { client in
                for headers: HTTPFields in [[:], [.authorization: "Bearer wrong"], [.authorization: "Bearer \(token)x"],
                                            [.authorization: "Basic \(token)"], [.cookie: "solvent_token=nope"]] {
                    try await client.execute(uri: "/api/overview", method: .get, headers: headers) { response in
                        #expect(response.status == .unauthorized, "\(headers)")
                    }
                }
                try await client.execute(uri: "/api/overview", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                    #expect(response.status == .ok)
                }
                try await client.execute(uri: "/login?token=wrong", method: .get) { response in
                    #expect(response.status == .unauthorized)
                }
                try await client.execute(uri: "/login?token=\(token)", method: .get) { response in
                    #expect(response.status == .seeOther)
                    #expect(response.headers[.setCookie]?.hasPrefix("solvent_token=\(token);") == true)
                }
                try await client.execute(uri: "/", method: .get, headers: [.cookie: "theme=dark; solvent_token=\(token)"]) { response in
                    #expect(response.status == .ok)
                }
            }
        }
    }
}

extension JSONValue {
    var arrayCount: Int? { if case .array(let items) = self { items.count } else { nil } }
}
