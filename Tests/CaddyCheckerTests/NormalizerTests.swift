import Foundation
import Testing

@testable import CaddyChecker

/// The normaliser on JSON recorded from real `caddy adapt` runs (Tests/Fixtures/caddy).
@Suite struct NormalizerTests {
    @Test func handleGroupsAndHandlePathInAHostSiteBecomeOneRouteEach() throws {
        #expect(
            lines(try fixtureTable("production")) == [
                "srv0 rims.example.com /media/* strip /media → file_server root /srv/rims/media",
                "srv0 rims.example.com /api/* reverse_proxy 127.0.0.1:8000",
                "srv0 rims.example.com /* file_server root /srv/rims/frontend",
            ])
    }

    @Test func theLiveConfigFromTheAdminAPINormalisesLikeTheAdaptedOne() throws {
        #expect(try fixtureTable("production.live") == fixtureTable("production"))
    }

    @Test func directivesOutsideHandleSiteRootAndUriStripPrefix() throws {
        #expect(
            lines(try fixtureTable("plain-directives")) == [
                "srv0 * /static/* strip /static → file_server root /srv/static",
                "srv0 * /api/* reverse_proxy 127.0.0.1:8001 127.0.0.1:8002",
                "srv0 * /* file_server root /srv/site",
            ])
    }

    @Test func nestedHandlesArePrefixedByTheStripAndScopedRootsBecomeTheirOwnRoutes() throws {
        #expect(
            lines(try fixtureTable("nested")) == [
                "srv0 app.example.com /files/thumbs/* strip /files → file_server root /srv/thumbs",
                "srv0 app.example.com /files/* strip /files → file_server root /srv/files",
                "srv0 app.example.com /api/v1/* reverse_proxy 127.0.0.1:8001",
                "srv0 app.example.com /api/* reverse_proxy 127.0.0.1:8000",
                "srv0 app.example.com /docs/* file_server root /srv/docs",
                "srv0 app.example.com /* file_server root /srv/front",
            ])
    }

    @Test func sitesAreTheHostSetsPerServerWithTheCatchAllSiteLast() throws {
        let table = try fixtureTable("multi-site")
        #expect(
            lines(table) == [
                "srv0 a.example.com,www.a.example.com /api/* reverse_proxy 127.0.0.1:8000",
                "srv0 a.example.com,www.a.example.com /* file_server root /srv/a",
                "srv0 b.example.com /* reverse_proxy 127.0.0.1:9000",
                "srv0 * /* respond \"no such site\" 404",
                "srv1 admin.example.com /media/* strip /media → file_server root /srv/admin-media",
                "srv1 admin.example.com /api/* reverse_proxy 127.0.0.1:8100",
            ])
        #expect(
            table.sites.map { "\($0.server) \($0.hosts)" } == [
                "srv0 [\"a.example.com\", \"www.a.example.com\"]", "srv0 [\"b.example.com\"]", "srv0 []",
                "srv1 [\"admin.example.com\"]",
            ])
        #expect(table.servers.map(\.listen) == [[":8080"], [":9090"]])
    }

    @Test func theEndOfATerminalSiteIsKeptSoUnmatchedPathsAnswerNothing() throws {
        let table = try fixtureTable("multi-site")
        #expect(lines(table, includeAll: true).contains("srv1 admin.example.com END /* nothing (Caddy answers an empty 200)"))
        let admin = ViewAnalysis(table.view(server: "srv1", hosts: ["admin.example.com"]))
        #expect(admin.answering(PathPattern("/other/*")).map { admin.view[$0].handler } == CaddyHandler.nothing)
        // Requests for b.example.com never reach the catch-all site after it.
        let view = table.view(server: "srv0", hosts: ["b.example.com"])
        let analysis = ViewAnalysis(view)
        let catchAll = try #require(view.firstIndex { $0.hosts.isEmpty && $0.kind == .responder })
        #expect(analysis.shadower(of: catchAll) != nil)
    }

    @Test func routeBlocksKeepTheirOrderAndMergedHandlesStack() throws {
        #expect(
            lines(try fixtureTable("shadowed")) == [
                "srv0 shadow.example.com /* reverse_proxy 127.0.0.1:9000",
                "srv0 shadow.example.com /media/* file_server root /srv/media",
                "srv1 * /* reverse_proxy 127.0.0.1:9001",
                "srv1 * /* file_server root /srv/never",
            ])
    }

    @Test func conditionsFixedAnswersTwoPathMatchersAndFastCGI() throws {
        let result = lines(try fixtureTable("conditional"))
        #expect(
            Array(result.prefix(5)) == [
                "srv0 * /old/* redir /new/ 301",
                "srv0 * /older/* redir /new/ 301",
                "srv0 * /private/* error 403",
                "srv0 * /health respond \"ok\" 200",
                "srv0 * /* [method [\"POST\"]] reverse_proxy 127.0.0.1:7000",
            ])
        // php_fastcgi answers the *.php requests of the block it was given (`handle /php/*`).
        #expect(result.contains("srv0 * /php/* [path [\"*.php\"]] reverse_proxy unix//run/php/php-fpm.sock (transport fastcgi)"))
        #expect(result.last == "srv0 * /* file_server (no root: Caddy's working directory)")
    }

    @Test func jsonPathsPointIntoTheLiveConfig() throws {
        let table = try fixtureTable("production")
        let media = try #require(table.routes.first { $0.path.text == "/media/*" })
        #expect(media.routeJSONPath == "/config/apps/http/servers/srv0/routes/0/handle/0/routes/0")
        #expect(
            media.stripJSONPath == "/config/apps/http/servers/srv0/routes/0/handle/0/routes/0/handle/0/routes/0/handle/0/strip_path_prefix")
        #expect(media.rootJSONPath == "/config/apps/http/servers/srv0/routes/0/handle/0/routes/0/handle/0/routes/1/handle/0/root")
        #expect(media.siteRoutesJSONPath == "/config/apps/http/servers/srv0/routes/0/handle/0/routes")
        let api = try #require(table.routes.first { $0.path.text == "/api/*" })
        #expect(api.handlerJSONPath == "/config/apps/http/servers/srv0/routes/0/handle/0/routes/1/handle/0/routes/0/handle/0")
    }

    @Test func incidentalDetailsDoNotMatter() throws {
        // Same routes, other server names, @id tags, group names and hide lists.
        var text = String(decoding: try fixtureJSON("production"), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"srv0\"", with: "\"main\"")
            .replacingOccurrences(of: "group3", with: "g")
            .replacingOccurrences(of: "./production.caddyfile", with: "/etc/caddy/Caddyfile")
            .replacingOccurrences(of: "\"handler\": \"reverse_proxy\"", with: "\"@id\": \"api\", \"handler\": \"reverse_proxy\"")
        let renamed = try CaddyConfigNormalizer.normalize(Data(text.utf8))
        let original = try fixtureTable("production")
        #expect(renamed.routes.map(\.handler) == original.routes.map(\.handler))
        #expect(renamed.routes.map(\.path) == original.routes.map(\.path))
        #expect(renamed.routes.map(\.stripPrefix) == original.routes.map(\.stripPrefix))
    }

    @Test func severalHundredRoutes() throws {
        let table = try fixtureTable("large")
        let routes = table.routes.filter { $0.kind == .responder }
        #expect(routes.count == 402)
        #expect(table.sites.count == 2)
        let set42 = try #require(routes.first { $0.path.text == "/media/set42/*" && $0.hosts == ["two.example.com"] })
        #expect(set42.handler == .fileServer(root: "/srv/two/media/set42"))
        #expect(set42.stripPrefix == "/media/set42")
        let api7 = try #require(routes.first { $0.path.text == "/api/v7/*" && $0.hosts == ["one.example.com"] })
        #expect(api7.handler == .reverseProxy(upstreams: ["127.0.0.1:8003"], transport: nil))
        // Nothing in a handle-block config shadows anything.
        let view = table.view(server: "srv0", hosts: ["one.example.com"])
        let analysis = ViewAnalysis(view)
        #expect(view.indices.filter { view[$0].kind == .responder && analysis.shadower(of: $0) != nil }.isEmpty)
    }

    @Test func noConfigAndNotJSON() throws {
        #expect(try CaddyConfigNormalizer.normalize(Data("null\n".utf8)).routes.isEmpty)
        #expect(try CaddyConfigNormalizer.normalize(Data("{}".utf8)).routes.isEmpty)
        #expect(throws: CaddyConfigError.self) { try CaddyConfigNormalizer.normalize(Data("<html>".utf8)) }
    }
}

/// Caddy's path patterns, as pairing and shadowing need them.
@Suite struct PathPatternTests {
    @Test func catchAllsAreOneKey() {
        #expect(PathPattern("*").key == PathPattern("/*").key)
        #expect(PathPattern("*").kind == .any)
        #expect(PathPattern("/API/*").key == PathPattern("/api/*").key)
    }

    @Test func coverage() {
        #expect(PathPattern("/*").covers(PathPattern("/media/*")))
        #expect(PathPattern("/media/*").covers(PathPattern("/media/thumbs/*")))
        #expect(PathPattern("/media*").covers(PathPattern("/media/*")))
        #expect(PathPattern("/media/*").covers(PathPattern("/media/x.png")))
        #expect(!PathPattern("/media/*").covers(PathPattern("/media")))
        #expect(!PathPattern("/media/*").covers(PathPattern("/*")))
        #expect(!PathPattern("/api/*").covers(PathPattern("/media/*")))
        #expect(PathPattern("*.php").covers(PathPattern("/index.php")))
        #expect(!PathPattern("*.php").covers(PathPattern("/php/*")))
        #expect(PathPattern("/health").covers(PathPattern("/HEALTH")))
    }

    @Test func theCoverIndexFindsTheEarliestCoveringRoute() {
        var index = CoverIndex()
        let patterns = ["/api/v1/*", "/media/*", "/api/*", "*.php", "/*"].map(PathPattern.init)
        for (position, pattern) in patterns.enumerated() { index.add(pattern, at: position) }
        #expect(index.earliestCovering(PathPattern("/api/v1/users/*"), before: 10) == 0)
        #expect(index.earliestCovering(PathPattern("/api/v2/*"), before: 10) == 2)
        #expect(index.earliestCovering(PathPattern("/api/*"), before: 2) == nil)
        #expect(index.earliestCovering(PathPattern("/x/index.php"), before: 10) == 3)
        #expect(index.earliestCovering(PathPattern("/static/*"), before: 4) == nil)
        #expect(index.earliestCovering(PathPattern("/static/*"), before: 5) == 4)
    }

    @Test func theCoverIndexComparesNonASCIIPathsByCharacter() {
        // A decomposed é in the route, a precomposed one in the path: one character each,
        // of different byte lengths; so a key that is not plain ASCII is looked up by character.
        var index = CoverIndex()
        index.add(PathPattern("/cafe\u{301}/*"), at: 0)
        index.add(PathPattern("*.PHP"), at: 1)
        #expect(index.earliestCovering(PathPattern("/caf\u{e9}/menu"), before: 5) == 0)
        #expect(index.earliestCovering(PathPattern("/x/a.php"), before: 5) == 1)
        #expect(index.earliestCovering(PathPattern("/cafe/menu"), before: 5) == nil)
        var plain = CoverIndex()
        plain.add(PathPattern("/api/*"), at: 0)
        #expect(plain.earliestCovering(PathPattern("/api/\u{fc}ber"), before: 5) == 0)
        #expect(plain.earliestCovering(PathPattern("/ap\u{fc}/x"), before: 5) == nil)
    }

    @Test func handlePathStripsThePrefixBeforeTheStar() {
        #expect(PathPattern("/media/*").strippablePrefix == "/media")
        #expect(PathPattern("/media*").strippablePrefix == "/media")
        #expect(PathPattern("/*").strippablePrefix == nil)
        #expect(PathPattern("/api/*").probePath == "/api/")
    }
}

/// The JSON parser the normaliser reads configs with.
@Suite struct JSONValueTests {
    @Test func parsesWhatJSONSerializationParses() throws {
        for name in ["production", "conditional", "large", "multi-site"] {
            let data = try fixtureJSON(name)
            let mine = try JSONValue.parse(data)
            let reference = try JSONSerialization.jsonObject(with: data)
            let roundTrip = try JSONSerialization.jsonObject(with: Data(mine.canonicalText.utf8))
            #expect(NSDictionary(dictionary: reference as! [String: Any]).isEqual(to: roundTrip as! [String: Any]))
        }
    }

    @Test func objectsActAsDictionariesSmallOrLarge() throws {
        // 3 members are scanned, 40 are indexed by key.
        for size in [3, 40] {
            let members = (0..<size).map { "\"k\($0)\": 1" } + [#""k1": "last""#]
            let value = try JSONValue.parse(Data(("{" + members.joined(separator: ", ") + "}").utf8))
            var object = try #require(value.object)
            #expect(object.count == size)
            #expect(object["k1"] == .string("last"))
            #expect(object["k\(size - 1)"] == .number("1"))
            #expect(object["missing"] == nil)
            object["k0"] = nil
            object["new"] = .null
            #expect(object.count == size)
            #expect(object["k0"] == nil && object["new"] == .null && object["k\(size - 1)"] == .number("1"))
            let reordered = JSONObject(uniqueKeysWithValues: object.reversed().map { ($0.key, $0.value) })
            #expect(reordered == object)
            #expect(reordered.hashValue == object.hashValue)
            #expect(JSONValue.object(reordered).canonicalText == JSONValue.object(object).canonicalText)
        }
        let null: JSONObject = ["a": .null]
        #expect(null != ["a": .bool(false)])
        #expect(null != ["a": .null, "b": .null])
    }

    @Test func escapesScalarsAndErrors() throws {
        let value = try JSONValue.parse(Data(#"{"a": "x\"\\\/\n\u00e9\ud83d\ude00", "b": [1, -2.5e3, true, false, null], "c": {}}"#.utf8))
        #expect(value["a"]?.string == "x\"\\/\né😀")
        #expect(value["b"] == .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null]))
        #expect(value["c"] == .object([:]))
        #expect(value.canonicalText == #"{"a":"x\"\\/\né😀","b":[1,-2.5e3,true,false,null],"c":{}}"#)
        #expect(try JSONValue.parse(Data(" null \n".utf8)) == .null)
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "\"\\ud800\"", "tru", "1 2", "{\"a\":\"\u{1}\"}", "-"] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONValue.parse(Data(bad.utf8)) }
        }
    }

    @Test(
        "malformed numbers are rejected as RFC 8259 says",
        arguments: [
            "1-2", "01", "-01", "1.2.3", "-", "1e", "1e+", "1E-", ".5", "+1", "1.", "-.5", "00", "1ee2", "0x10",
            "[1-2]", "[01]", "{\"a\": 1.2.3}", "{\"a\": -}", "[1e]", "[1.e3]",
        ])
    func malformedNumbers(_ text: String) {
        #expect(throws: JSONParseError.self, "\(text)") { try JSONValue.parse(Data(text.utf8)) }
    }

    @Test(
        "well-formed numbers are kept as written",
        arguments: ["0", "-0", "10", "-12", "0.5", "-0.25", "1e3", "1E+3", "2.5e-10", "123456789012345678901234567890"])
    func wellFormedNumbers(_ text: String) throws {
        #expect(try JSONValue.parse(Data(text.utf8)) == .number(text))
        #expect(try JSONValue.parse(Data("[\(text),\(text)]".utf8)) == .array([.number(text), .number(text)]))
    }

    @Test func aMalformedNumberNamesItsPlace() {
        let error = #expect(throws: JSONParseError.self) { try JSONValue.parse(Data(#"{"status": 01}"#.utf8)) }
        #expect(error?.offset == 12)
        #expect(error?.description.hasPrefix("invalid number") == true)
    }
}

/// A JSON config of the wrong shape is not an empty one.
@Suite struct ConfigShapeTests {
    @Test(
        "a config of the wrong shape is an error naming the key",
        arguments: [
            (#"{"apps": []}"#, "apps is an array, expected an object"),
            (#"{"apps": {"http": "on"}}"#, "apps.http is a string, expected an object"),
            (#"{"apps": {"http": {"servers": []}}}"#, "apps.http.servers is an array, expected an object"),
            (#"{"apps": {"http": {"servers": "srv0"}}}"#, "apps.http.servers is a string, expected an object"),
            (#"{"apps": {"http": {"servers": {"srv0": 1}}}}"#, "apps.http.servers.srv0 is a number, expected an object"),
            (
                #"{"apps": {"http": {"servers": {"srv0": {"routes": {}}}}}}"#,
                "apps.http.servers.srv0.routes is an object, expected an array"
            ),
            (
                #"{"apps": {"http": {"servers": {"srv0": {"listen": ":80"}}}}}"#,
                "apps.http.servers.srv0.listen is a string, expected an array"
            ),
        ])
    func wrongShape(_ json: String, _ message: String) {
        let error = #expect(throws: CaddyConfigError.self) { try CaddyConfigNormalizer.normalize(Data(json.utf8)) }
        #expect(error?.message.hasPrefix(message) == true, "\(String(describing: error))")
    }

    @Test func absentAppsAndServersAreAnEmptyConfig() throws {
        for json in ["{}", #"{"apps": {}}"#, #"{"apps": {"http": {}}}"#, #"{"apps": {"http": null}}"#] {
            #expect(try CaddyConfigNormalizer.normalize(Data(json.utf8)) == CaddyRouteTable(), "\(json)")
        }
    }
}
