// HTTP_GET/SSL_GET's url regex, fast_recovery, tls_compliant and the top-level
// SSL block, as keepalived's check_http.c and check_parser.c read them.
#include <catch2/catch.hpp>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "tests/unit/config/test_util.h"

namespace lvs::config {
namespace {

using testing::Lines;

ParseResult ParseAny(const std::string& checker, const std::string& around = "") {
  return ParseString(around + "virtual_server 10.0.0.1 443 {\n  real_server 10.0.0.2 443 {\n" +
                         checker + "  }\n}\n",
                     "t.conf");
}
ParseResult Parse(const std::string& checker, const std::string& around = "") {
  ParseResult r = ParseAny(checker, around);
  INFO(FormatDiagnostics(r.diagnostics));
  REQUIRE(r.ok());
  return r;
}
const v1::Checker& Checker(const ParseResult& r) {
  return r.config.virtual_servers(0).real_servers(0).checkers(0);
}

TEST_CASE("a url's regex with its options and window") {
  ParseResult r = Parse(
      "HTTP_GET {\n url {\n path /health\n regex \"status: (ok|degraded)\"\n regex_options "
      "caseless multiline\n"
      " regex_min_offset 10\n regex_max_offset 200\n regex_stack 1000 100000\n }\n "
      "fast_recovery\n}\n");
  const v1::UrlCheck& u = Checker(r).http().urls(0);
  CHECK(u.regex() == "status: (ok|degraded)");
  CHECK(u.regex_options() == (PCRE2_CASELESS | PCRE2_MULTILINE));
  CHECK(u.regex_min_offset() == 10);
  CHECK(u.regex_max_end() == 201);  // one beyond, as keepalived keeps it
  CHECK_FALSE(u.regex_no_match());
  CHECK(r.diagnostics.empty());

  ParseResult reverse =
      Parse("HTTP_GET {\n url {\n path /\n regex maintenance\n regex_no_match\n }\n}\n");
  CHECK(Checker(reverse).http().urls(0).regex_no_match());
}

TEST_CASE("regex settings keepalived drops are dropped with a located warning") {
  ParseResult without =
      Parse("HTTP_GET {\n url {\n path /\n regex_no_match\n regex_min_offset 3\n }\n}\n");
  CHECK_FALSE(Checker(without).http().urls(0).regex_no_match());
  CHECK(Checker(without).http().urls(0).regex_min_offset() == 0);
  REQUIRE(without.diagnostics.size() == 1);
  INFO(Lines(without)[0]);
  CHECK(Lines(without)[0].find("4:2: url: warning: has regex settings but no 'regex'") == 0);

  ParseResult window = Parse(
      "HTTP_GET {\n url {\n path /\n regex x\n regex_min_offset 10\n regex_max_offset 9\n }\n}\n");
  CHECK(Checker(window).http().urls(0).regex_max_end() == 0);
  REQUIRE(window.diagnostics.size() == 1);
  CHECK(Lines(window)[0].find("regex_min_offset 10 is beyond regex_max_offset 9") !=
        std::string::npos);

  ParseResult option =
      Parse("HTTP_GET {\n url {\n path /\n regex x\n regex_options caseless shouty\n }\n}\n");
  CHECK(Checker(option).http().urls(0).regex_options() == PCRE2_CASELESS);
  REQUIRE(option.diagnostics.size() == 1);
  CHECK(Lines(option)[0].find("'shouty' is not one of keepalived's PCRE2 options") !=
        std::string::npos);
}

TEST_CASE("a regex that does not compile is refused at its place") {
  ParseResult r = ParseAny("HTTP_GET {\n url {\n path /\n    regex \"(unclosed\"\n }\n}\n");
  CHECK_FALSE(r.ok());
  REQUIRE(!r.diagnostics.empty());
  INFO(Lines(r)[0]);
  CHECK(Lines(r)[0].find("6:11: regex: '(unclosed' is not a valid PCRE2 pattern: missing closing "
                         "parenthesis") == 0);
}

TEST_CASE("the SSL block reaches every SSL_GET, wherever it stands; the CA draws a note") {
  ParseResult r = Parse("SSL_GET {\n url {\n path /\n }\n tls_compliant\n}\n", "");
  CHECK_FALSE(Checker(r).http().has_tls());

  const std::string ssl =
      "SSL {\n ca /etc/lvs/ca.pem\n certificate /etc/lvs/client.pem\n key /etc/lvs/client.key\n"
      " password secret\n}\n";
  ParseResult with = ParseString(
      "virtual_server 10.0.0.1 443 {\n real_server 10.0.0.2 443 {\n SSL_GET {\n url {\n path /\n "
      "}\n }\n"
      " HTTP_GET {\n url {\n path /\n }\n }\n }\n}\n" +
          ssl,
      "t.conf");
  INFO(FormatDiagnostics(with.diagnostics));
  REQUIRE(with.ok());
  const v1::RealServer& rs = with.config.virtual_servers(0).real_servers(0);
  const v1::TlsClient& tls = rs.checkers(0).http().tls();
  CHECK(tls.ca_file() == "/etc/lvs/ca.pem");
  CHECK(tls.certificate_file() == "/etc/lvs/client.pem");
  CHECK(tls.key_file() == "/etc/lvs/client.key");
  CHECK(tls.key_password() == "secret");
  CHECK_FALSE(rs.checkers(1).http().has_tls());  // HTTP_GET speaks no TLS
  REQUIRE(with.diagnostics.size() == 1);
  CHECK(Lines(with)[0].find(
            "ca: warning: SSL_GET's servers must present a certificate this CA signed") !=
        std::string::npos);
}

TEST_CASE("tls_compliant on an HTTP_GET means nothing and says so") {
  ParseResult r = Parse("HTTP_GET {\n url {\n path /\n }\n tls_compliant\n}\n");
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(Lines(r)[0].find("tls_compliant: warning: only SSL_GET speaks TLS") != std::string::npos);
}

}  // namespace
}  // namespace lvs::config
