import Foundation
import SolventCore
import SolventSim
import Testing

/// Fixtures/params: the alternatives docs/CASCADES.md compares, in the `params.set` shape.
@Suite struct ParamsFixtureTests {
    static func load(_ name: String) throws -> ParamsSet {
        let text = try String(contentsOfFile: SimSupport.fixture("Fixtures/params/\(name).json"), encoding: .utf8)
        let params = try RecordJSON.payload(try JSONParser.parse(text), as: ParamsSet.self)
        try Ledger().check(.paramsSet(params))
        return params
    }

    @Test func defaultIsTheFullDefaultSet() throws {
        #expect(try Self.load("default") == ParamsSet(full: RiskParams()))
    }

    @Test func alternativesChangeOnlyWhatTheirNameSays() throws {
        let defaults = RiskParams()
        var noPartial = defaults
        noPartial.liqStep = .one
        #expect(try Self.load("no-partial").applied(to: defaults) == noPartial)
        let noCap = try Self.load("no-cap").applied(to: defaults)
        #expect(noCap.holeGlobal > Money(units: 10_000_000_000) && noCap.holeMarket > Money(units: 10_000_000_000))
        var linear = defaults
        linear.curve = .linear
        #expect(try Self.load("linear").applied(to: defaults) == linear)
    }
}
