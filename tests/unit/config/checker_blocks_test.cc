// PING_CHECK, UDP_CHECK, DNS_CHECK, SMTP_CHECK, FILE_CHECK and track_file as
// keepalived's check_*.c and trackers/track_file.c read them: keywords, defaults
// (DNS_CHECK's differ), and what is warned about and dropped.
#include <catch2/catch.hpp>

#include "tests/unit/config/test_util.h"

namespace lvs::config {
namespace {

using namespace std::string_literals;
using testing::Lines;

ParseResult Parse(const std::string& body, const std::string& before = "") {
  ParseResult r = ParseString(before +
                                  "virtual_server 10.0.0.1 53 {\n  delay_loop 10\n  real_server "
                                  "10.0.0.2 53 {\n  weight 7\n" +
                                  body + "  }\n}\n",
                              "t.conf");
  INFO(FormatDiagnostics(r.diagnostics));
  REQUIRE(r.ok());
  return r;
}

const v1::RealServer& Real(const ParseResult& r) {
  return r.config.virtual_servers(0).real_servers(0);
}

TEST_CASE("PING_CHECK takes the common options and keepalived's defaults") {
  ParseResult r = Parse("PING_CHECK {\n connect_timeout 2\n}\n");
  REQUIRE(Real(r).checkers_size() == 1);
  const v1::Checker& c = Real(r).checkers(0);
  CHECK(c.has_ping());
  CHECK(c.connect_ip() == "10.0.0.2");
  CHECK(c.connect_timeout_ms() == 2000);
  CHECK(c.retry() == 1);
  CHECK(c.delay_before_retry_ms() == 1000);
  CHECK(c.delay_loop_ms() == 10000);
  CHECK(Real(r).unimplemented_checkers_size() == 0);
  CHECK(r.diagnostics.empty());
}

TEST_CASE("UDP_CHECK: hex payload, require_reply with X nibbles, reply lengths") {
  ParseResult r = Parse(
      "UDP_CHECK {\n payload 01 02 ab\n require_reply 0x 4\n min_reply_length 2\n max_reply_length "
      "100\n}\n");
  const v1::UdpCheck& u = Real(r).checkers(0).udp();
  CHECK(u.payload() == "\x01\x02\xab"s);
  CHECK(u.require_reply());
  CHECK(u.reply() == "\x00\x04"s);
  CHECK(u.reply_mask() == "\x0f\x00"s);
  CHECK(u.min_reply_length() == 2);
  CHECK(u.max_reply_length() == 100);

  ParseResult bare = Parse("UDP_CHECK {\n require_reply\n}\n");
  CHECK(Real(bare).checkers(0).udp().require_reply());
  CHECK(Real(bare).checkers(0).udp().reply().empty());
}

TEST_CASE("UDP_CHECK: a payload that is not hex is ignored with a warning") {
  ParseResult r = Parse("UDP_CHECK {\n payload hello\n}\n");
  CHECK(Real(r).checkers(0).udp().payload().empty());
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(Lines(r)[0].find("payload: warning: is not a hex string") != std::string::npos);
}

TEST_CASE("DNS_CHECK: type and name; retry 3 and delay_before_retry = delay_loop by default") {
  ParseResult r = Parse("DNS_CHECK {\n type a\n name www.example.com\n}\n");
  const v1::Checker& c = Real(r).checkers(0);
  CHECK(c.dns().type() == v1::DNS_A);
  CHECK(c.dns().name() == "www.example.com");
  CHECK(c.connect_port() == 53);  // the real server's port: no implicit 53
  CHECK(c.retry() == 3);
  CHECK(c.delay_before_retry_ms() == 10000);

  ParseResult set = Parse("retry 1\ndelay_before_retry 2\nDNS_CHECK {\n}\n");
  CHECK(Real(set).checkers(0).retry() == 1);
  CHECK(Real(set).checkers(0).delay_before_retry_ms() == 2000);
  CHECK(Real(set).checkers(0).dns().type() == v1::DNS_TYPE_UNSPECIFIED);  // SOA
}

TEST_CASE("DNS_CHECK: an unknown type or a name with an empty label is warned about and ignored") {
  ParseResult r = Parse("DNS_CHECK {\n type PTR\n name bad..name\n}\n");
  const v1::Checker& c = Real(r).checkers(0);
  CHECK(c.dns().type() == v1::DNS_TYPE_UNSPECIFIED);
  CHECK(c.dns().name().empty());
  REQUIRE(r.diagnostics.size() == 2);
  CHECK(Lines(r)[0].find("'PTR' is not a DNS_CHECK type") != std::string::npos);
  CHECK(Lines(r)[1].find("'bad..name' is not a DNS name") != std::string::npos);
}

TEST_CASE(
    "SMTP_CHECK: helo_name; each host block is its own checker, the first replacing the block's") {
  ParseResult r = Parse(
      "SMTP_CHECK {\n helo_name me.example\n connect_timeout 3\n"
      " host {\n  connect_ip 10.0.0.9\n  connect_port 2525\n }\n"
      " host {\n  connect_ip 10.0.0.10\n }\n}\n");
  const v1::RealServer& rs = Real(r);
  // The block set connect_timeout (a connection option): it keeps its own checker.
  REQUIRE(rs.checkers_size() == 3);
  CHECK(rs.checkers(0).connect_ip() == "10.0.0.2");
  CHECK(rs.checkers(1).connect_ip() == "10.0.0.9");
  CHECK(rs.checkers(1).connect_port() == 2525);
  CHECK(rs.checkers(1).smtp().helo_name() == "me.example");
  CHECK(rs.checkers(1).connect_timeout_ms() == 3000);
  CHECK(rs.checkers(2).connect_ip() == "10.0.0.10");
  CHECK(rs.checkers(2).connect_port() == 53);
  // Two deprecation warnings, one per host block.
  CHECK(r.diagnostics.size() == 2);

  ParseResult only_hosts = Parse("SMTP_CHECK {\n host {\n  connect_ip 10.0.0.9\n }\n}\n");
  REQUIRE(Real(only_hosts).checkers_size() == 1);
  CHECK(Real(only_hosts).checkers(0).connect_ip() == "10.0.0.9");
  CHECK(Real(only_hosts).checkers(0).smtp().helo_name().empty());  // checkd's default
}

TEST_CASE("track_file and FILE_CHECK: the file, weights, reverse, init_file") {
  const std::string files =
      "track_file up {\n file /run/up\n weight -3 reverse\n init_file 5 overwrite\n}\n"
      "vrrp_track_file old {\n file /run/old\n}\n";
  ParseResult r = Parse(
      "FILE_CHECK {\n track_file up\n}\nFILE_CHECK {\n track_file old\n weight 0\n}\n", files);
  REQUIRE(r.config.track_files_size() == 2);
  const v1::TrackFile& up = r.config.track_files(0);
  CHECK(up.path() == "/run/up");
  CHECK(up.weight() == -3);
  CHECK(up.reverse());
  CHECK(up.init_file());
  CHECK(up.init_value() == 5);
  CHECK(up.init_overwrite());
  CHECK(r.config.track_files(1).weight() == 1);
  const v1::RealServer& rs = Real(r);
  REQUIRE(rs.checkers_size() == 2);
  const v1::FileCheck& inherited = rs.checkers(0).file();
  CHECK(inherited.path() == "/run/up");
  CHECK(inherited.weight() == -3);  // the track_file's, as no weight was given
  CHECK(inherited.reverse());
  CHECK(inherited.base_weight() == 7);
  CHECK(inherited.init_overwrite());
  CHECK_FALSE(rs.checkers(0).alpha());
  CHECK(rs.checkers(0).retry() == 0);
  CHECK(rs.checkers(1).file().weight() == 0);  // its own weight wins
  CHECK_FALSE(rs.checkers(1).file().reverse());
  // vrrp_track_file is keepalived's old name: one warning, with a fix.
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].keyword() == "vrrp_track_file");
  CHECK(r.diagnostics[0].has_fix());
}

TEST_CASE("FILE_CHECK naming no track_file above it is dropped with a warning, as keepalived") {
  ParseResult r = Parse("FILE_CHECK {\n track_file later\n}\n");
  CHECK(Real(r).checkers_size() == 0);
  REQUIRE(r.diagnostics.size() == 2);
  CHECK(Lines(r)[0].find("FILE_CHECK: warning: has no usable 'track_file'") != std::string::npos);
  CHECK(Lines(r)[1].find("no track_file 'later' is defined above this line") != std::string::npos);
}

TEST_CASE("checkers take fwmark and bind_if; HTTP_GET takes http_protocol") {
  ParseResult r = Parse(
      "TCP_CHECK {\n fwmark 7\n bind_if eth1\n}\n"
      "HTTP_GET {\n http_protocol 1.0C\n url {\n  path /\n }\n}\n"
      "HTTP_GET {\n http_protocol 2\n url {\n  path /\n }\n}\n");
  const v1::RealServer& rs = Real(r);
  CHECK(rs.checkers(0).fwmark() == 7);
  CHECK(rs.checkers(0).bind_if() == "eth1");
  CHECK(rs.checkers(1).http().protocol() == v1::HTTP_1_0C);
  CHECK(rs.checkers(2).http().protocol() == v1::HTTP_1_0);
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(Lines(r)[0].find("'2' is not 1.0, 1.0C or 1.1") != std::string::npos);
}

TEST_CASE("SSL_GET takes sni_name; on HTTP_GET it is warned about and dropped") {
  ParseResult r = Parse(
      "SSL_GET {\n sni_name www.example\n url {\n  path /\n }\n}\n"
      "HTTP_GET {\n sni_name www.example\n url {\n  path /\n }\n}\n");
  CHECK(Real(r).checkers(0).http().sni() == "www.example");
  CHECK(Real(r).checkers(0).http().enable_sni());
  CHECK(Real(r).checkers(1).http().sni().empty());
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(Lines(r)[0].find("only SSL_GET sends a TLS server name") != std::string::npos);
}

TEST_CASE("BFD_CHECK still leaves its real server unchecked, and says so") {
  ParseResult r = Parse("BFD_CHECK {\n name b\n}\n");
  CHECK(Real(r).unimplemented_checkers_size() == 1);
  REQUIRE(r.diagnostics.size() == 2);
  // Why, in the warning itself.
  CHECK(Lines(r)[0].find(
            "will never be checked: lvs-ha does not run BFD_CHECK (keepalived runs a BFD daemon") !=
        std::string::npos);
}

}  // namespace
}  // namespace lvs::config
