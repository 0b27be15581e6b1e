#include "services/cli/endpoint_syntax.h"

#include <catch2/catch.hpp>

#include "services/cli/client_options.h"

using lvs::cli::FormatRealKey;
using lvs::cli::FormatServiceKey;
using lvs::cli::ParseRealKey;
using lvs::cli::ParseServiceKey;

TEST_CASE("services are named the way ipvsadm names them") {
  for (const char* text : {"TCP 192.168.64.100:80", "tcp:192.168.64.100:80", "192.168.64.100:80"}) {
    auto k = ParseServiceKey(text);
    REQUIRE(k.ok());
    CHECK(k->protocol() == lvs::v1::TCP);
    CHECK(k->address() == "192.168.64.100");
    CHECK(k->port() == 80);
    CHECK(FormatServiceKey(*k) == "TCP 192.168.64.100:80");
  }
  auto udp6 = ParseServiceKey("UDP [2001:db8::1]:53");
  REQUIRE(udp6.ok());
  CHECK(udp6->protocol() == lvs::v1::UDP);
  CHECK(FormatServiceKey(*udp6) == "UDP [2001:db8::1]:53");
  auto fwm = ParseServiceKey("fwmark:7");
  REQUIRE(fwm.ok());
  CHECK(fwm->fwmark() == 7);
  CHECK(FormatServiceKey(*fwm) == "FWM 7");
}

TEST_CASE("bad service and real names say what is wrong") {
  CHECK(ParseServiceKey("TCP 192.168.64.300:80").status().message() ==
        "'192.168.64.300' is not an IP address");
  CHECK(ParseServiceKey("192.168.64.100:0").status().message() == "'0' is not a port (1-65535)");
  CHECK(ParseServiceKey("192.168.64.100").status().message() ==
        "'192.168.64.100': expected ADDRESS:PORT");
  CHECK(ParseServiceKey("fwmark:x").status().message() ==
        "'fwmark:x': fwmark must be a positive integer");
  CHECK(ParseRealKey("2001:db8::5:80").status().message() ==
        "'2001:db8::5:80': write an IPv6 address in brackets, [ADDR]:PORT");
  auto r = ParseRealKey("[2001:db8::5]:8080");
  REQUIRE(r.ok());
  CHECK(FormatRealKey(*r) == "[2001:db8::5]:8080");
}

TEST_CASE("client options are taken out of the command words wherever they are") {
  std::vector<std::string> args = {"status", "--run-dir", "/tmp/x", "VI_1", "--json"};
  auto o = lvs::cli::ExtractClientOptions(args);
  REQUIRE(o.ok());
  CHECK(o->run_dir == "/tmp/x");
  CHECK(o->json);
  CHECK(args == std::vector<std::string>{"status", "VI_1"});
  std::vector<std::string> bad = {"--connect", "10.0.0.1:9000"};
  CHECK(lvs::cli::ExtractClientOptions(bad).status().message() ==
        "--connect needs --tls-cert, --tls-key and --tls-ca");
}
