// The reference deployment's two keepalived.conf files, verbatim, load with the
// values they spell out and keepalived's defaults for the rest.
#include <catch2/catch.hpp>

#include "tests/unit/config/test_util.h"

namespace lvs::config {
namespace {

using testing::CheckerSettings;
using testing::FixturePath;
using testing::GarpSettings;
using testing::Lines;
using testing::VirtualServerSettings;

struct SeedExpectation {
  std::string file;
  std::string router_id;
  v1::VrrpState state;
  uint32_t priority;
  uint32_t nb_get_retry_line;
  uint32_t rs1_line;
  uint32_t rs2_line;
};

void CheckSeed(const SeedExpectation& e) {
  const std::string path = FixturePath(e.file);
  absl::StatusOr<ParseResult> parsed = ParseFile(path);
  REQUIRE(parsed.ok());
  const ParseResult& r = *parsed;
  INFO(FormatDiagnostics(r.diagnostics));
  REQUIRE(r.ok());

  // Exactly one diagnostic: nb_get_retry is taken as retry, with a warning naming its line.
  REQUIRE(r.diagnostics.size() == 1);
  const v1::Diagnostic& warning = r.diagnostics[0];
  CHECK(warning.severity() == v1::Diagnostic::WARNING);
  CHECK(warning.location().file() == path);
  CHECK(warning.location().line() == e.nb_get_retry_line);
  CHECK(warning.location().column() == 13);
  CHECK(warning.keyword() == "nb_get_retry");
  CHECK(FormatDiagnostic(warning) ==
        path + ":" + std::to_string(e.nb_get_retry_line) +
            ":13: nb_get_retry: warning: deprecated alias of 'retry'; taken as 'retry 3'");

  const v1::Config& c = r.config;
  REQUIRE(c.files_size() == 1);
  CHECK(c.files(0) == path);

  const v1::GlobalDefs& g = c.global_defs();
  CHECK(g.router_id() == e.router_id);
  CHECK(g.vrrp_version() == 2);
  CHECK(GarpSettings(g) == "delay 5000 ms, repeat 5, refresh 0 ms, refresh repeat 1");

  REQUIRE(c.vrrp_instances_size() == 1);
  const v1::VrrpInstance& vi = c.vrrp_instances(0);
  CHECK(vi.name() == "VI_1");
  CHECK(vi.initial_state() == e.state);
  CHECK(vi.interface() == "ens160");
  CHECK(vi.virtual_router_id() == 51);
  CHECK(vi.priority() == e.priority);
  CHECK(vi.advert_int_ms() == 1000);
  CHECK(vi.version() == 2);
  CHECK(vi.authentication().type() == v1::VrrpAuthentication::PASS);
  CHECK(vi.authentication().pass() == "1111");
  CHECK_FALSE(vi.nopreempt());
  CHECK(vi.preempt_delay_ms() == 0);
  CHECK(vi.garp_master_delay_ms() == 5000);
  CHECK(vi.garp_master_repeat() == 5);
  CHECK(vi.accept());
  CHECK_FALSE(vi.family_inet6());
  CHECK(vi.location().line() == 5);
  REQUIRE(vi.virtual_ipaddresses_size() == 1);
  const v1::VirtualIp& vip = vi.virtual_ipaddresses(0);
  CHECK(vip.address() == "192.168.64.100");
  CHECK(vip.prefix_len() == 32);
  CHECK(vip.dev() == "ens160");
  CHECK(vip.label() == "ens160:vip");
  CHECK(vip.scope() == "global");
  CHECK(vip.location().line() == 16);
  CHECK(vip.location().column() == 9);
  CHECK(vi.virtual_ipaddresses_excluded_size() == 0);

  REQUIRE(c.virtual_servers_size() == 1);
  const v1::VirtualServer& vs = c.virtual_servers(0);
  CHECK(vs.address() == "192.168.64.100");
  CHECK(vs.port() == 80);
  CHECK_FALSE(vs.ipv6());
  CHECK(VirtualServerSettings(vs) ==
        "TCP, delay_loop 6000 ms, lb_algo rr, lb_kind DR, persistence_timeout 0 s, quorum 1, "
        "hysteresis 0");  // and no sorry_server
  REQUIRE(vs.real_servers_size() == 2);

  const v1::RealServer& rs1 = vs.real_servers(0);
  CHECK(rs1.address() == "192.168.64.143");
  CHECK(rs1.port() == 80);
  CHECK(rs1.weight() == 1);
  CHECK(rs1.lb_kind() == v1::DR);
  CHECK_FALSE(rs1.inhibit_on_failure());
  CHECK(rs1.location().line() == e.rs1_line);
  REQUIRE(rs1.checkers_size() == 1);
  const v1::Checker& check1 = rs1.checkers(0);
  CHECK(CheckerSettings(check1) ==
        "tcp 192.168.64.143:80, connect_timeout 3000 ms, retry 3 (set), delay_before_retry 3000 "
        "ms, delay_loop 6000 ms, warmup 6000 ms");

  const v1::RealServer& rs2 = vs.real_servers(1);
  CHECK(rs2.address() == "192.168.64.138");
  CHECK(rs2.port() == 80);
  CHECK(rs2.weight() == 1);
  CHECK(rs2.location().line() == e.rs2_line);
  REQUIRE(rs2.checkers_size() == 1);
  const v1::Checker& check2 = rs2.checkers(0);
  CHECK(check2.has_tcp());
  CHECK(check2.connect_timeout_ms() == 3000);
  CHECK(check2.retry() == 1);  // keepalived's TCP_CHECK default
  CHECK_FALSE(check2.retry_set());
  CHECK(check2.delay_before_retry_ms() == 1000);
  CHECK(check2.delay_loop_ms() == 6000);
}

TEST_CASE("seed master config loads with its values and one nb_get_retry warning") {
  CheckSeed({"seed-master.conf", "LVS_MASTER", v1::MASTER, 100, 31, 27, 36});
}

TEST_CASE("seed backup config loads with its values and one nb_get_retry warning") {
  CheckSeed({"seed-backup.conf", "LVS_BACKUP", v1::BACKUP, 90, 30, 26, 35});
}

TEST_CASE("seed master fixture keeps the seed's tab-indented comment lines") {
  std::ifstream in(FixturePath("seed-master.conf"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find("\n\t\n\t# rs1\n    real_server 192.168.64.143 80 {") != std::string::npos);
  CHECK(text.find("\n\t# rs2\n") != std::string::npos);
}

}  // namespace
}  // namespace lvs::config
