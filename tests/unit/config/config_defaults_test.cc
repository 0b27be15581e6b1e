// keepalived's defaults and units, asserted one by one, and how virtual server,
// real server and checker settings inherit.
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"

#include "tests/unit/config/test_util.h"

namespace lvs::config {
namespace {

using testing::CheckerSettings;
using testing::GarpSettings;
using testing::ParseWithWarnings;
using testing::VirtualServerSettings;
using testing::VrrpInstanceText;

ParseResult ParseOk(const std::string& text) { return testing::ParseValid(text, "test.conf"); }

constexpr char kMinimal[] = R"(
vrrp_script chk {
    script "/bin/true"
}
vrrp_instance VI {
    interface eth0
    virtual_router_id 1
    virtual_ipaddress {
        10.0.0.1
    }
}
virtual_server 10.0.0.1 80 {
    real_server 10.0.0.2 80 {
        TCP_CHECK {
        }
        HTTP_GET {
            url {
                path /
            }
        }
        MISC_CHECK {
            misc_path "/bin/true"
        }
    }
}
)";

TEST_CASE("global_defs defaults") {
  const ParseResult r = ParseOk(kMinimal);
  const v1::GlobalDefs& g = r.config.global_defs();
  CHECK(g.router_id().empty());
  CHECK(g.vrrp_version() == 2);
  CHECK(GarpSettings(g) == "delay 5000 ms, repeat 5, refresh 0 ms, refresh repeat 1");
  CHECK(g.vrrp_garp_interval_ms() == 0);
  CHECK(g.vrrp_gna_interval_ms() == 0);
  CHECK_FALSE(g.enable_script_security());
  CHECK_FALSE(g.vrrp_strict());
}

TEST_CASE("vrrp_script defaults") {
  const ParseResult r = ParseOk(kMinimal);
  const v1::VrrpScript& s = r.config.vrrp_scripts(0);
  CHECK(s.name() == "chk");
  CHECK(s.script() == "/bin/true");
  CHECK(s.interval_ms() == 1000);
  CHECK(s.timeout_ms() == 1000);
  CHECK(s.weight() == 0);
  CHECK(s.rise() == 1);
  CHECK(s.fall() == 1);
}

TEST_CASE("vrrp_instance defaults") {
  const ParseResult r = ParseOk(kMinimal);
  const v1::VrrpInstance& vi = r.config.vrrp_instances(0);
  CHECK(vi.initial_state() == v1::BACKUP);
  CHECK(vi.priority() == 100);
  CHECK(vi.advert_int_ms() == 1000);
  CHECK(vi.version() == 2);
  CHECK(vi.authentication().type() == v1::VrrpAuthentication::NONE);
  CHECK_FALSE(vi.nopreempt());
  CHECK(vi.preempt_delay_ms() == 0);
  CHECK(GarpSettings(vi) == "delay 5000 ms, repeat 5, refresh 0 ms, refresh repeat 1");
  CHECK(vi.use_vmac().empty());
  CHECK(vi.accept());  // keepalived: accept unless vrrp_strict
  CHECK_FALSE(vi.family_inet6());
  REQUIRE(vi.virtual_ipaddresses_size() == 1);
  CHECK(vi.virtual_ipaddresses(0).prefix_len() == 32);
  CHECK(vi.virtual_ipaddresses(0).dev() == "eth0");
  CHECK(vi.virtual_ipaddresses(0).scope() == "global");
}

TEST_CASE("virtual_server and real_server defaults") {
  const ParseResult r = ParseOk(kMinimal);
  const v1::VirtualServer& vs = r.config.virtual_servers(0);
  CHECK(VirtualServerSettings(vs) ==
        "TCP, delay_loop 60000 ms, lb_algo wlc, lb_kind NAT, persistence_timeout 0 s, quorum 1, "
        "hysteresis 0");  // and no sorry_server
  CHECK_FALSE(vs.alpha());
  CHECK_FALSE(vs.omega());
  CHECK_FALSE(vs.ops());
  const v1::RealServer& rs = vs.real_servers(0);
  CHECK(rs.weight() == 1);
  CHECK(rs.lb_kind() == v1::NAT);
  CHECK_FALSE(rs.inhibit_on_failure());
  CHECK(rs.delay_loop_ms() == 60000);
}

TEST_CASE("checker defaults per kind") {
  const ParseResult r = ParseOk(kMinimal);
  const v1::RealServer& rs = r.config.virtual_servers(0).real_servers(0);
  REQUIRE(rs.checkers_size() == 3);
  const v1::Checker& tcp = rs.checkers(0);
  CHECK(CheckerSettings(tcp) ==
        "tcp 10.0.0.2:80, connect_timeout 5000 ms, retry 1 (default), delay_before_retry 1000 ms, "
        "delay_loop 60000 ms, warmup 60000 ms");
  CHECK_FALSE(tcp.alpha());

  const v1::Checker& http = rs.checkers(1);
  REQUIRE(http.has_http());
  CHECK_FALSE(http.http().ssl());
  CHECK(http.connect_timeout_ms() == 5000);
  CHECK(http.retry() == 1);
  CHECK(http.delay_before_retry_ms() == 3000);
  REQUIRE(http.http().urls_size() == 1);
  CHECK(http.http().urls(0).path() == "/");
  CHECK(http.http().urls(0).status_codes_size() == 0);  // 200-299

  const v1::Checker& misc = rs.checkers(2);
  REQUIRE(misc.has_misc());
  CHECK(misc.misc().path() == "/bin/true");
  CHECK(misc.retry() == 0);
  CHECK(misc.delay_before_retry_ms() == 1000);
  CHECK(misc.misc().timeout_ms() == 60000);
  CHECK_FALSE(misc.misc().dynamic());
}

TEST_CASE("times in seconds become milliseconds, fractions included") {
  const ParseResult r = ParseOk(R"(
global_defs {
    vrrp_garp_master_delay 0.5
    vrrp_garp_master_repeat 2
    vrrp_garp_master_refresh 60
    vrrp_garp_master_refresh_repeat 3
    vrrp_garp_interval 0.001
    vrrp_gna_interval 0.25
    vrrp_version 3
}
vrrp_instance VI {
    interface eth0
    virtual_router_id 1
    advert_int 0.25
    preempt_delay 4.12
    garp_master_delay 2
    virtual_ipaddress {
        10.0.0.1
    }
}
virtual_server 10.0.0.1 80 {
    delay_loop 2.5
    persistence_timeout
    real_server 10.0.0.2 80 {
        TCP_CHECK {
            connect_timeout 0.75
            delay_before_retry 0.1
            warmup 0
        }
    }
}
)");
  const auto& g = r.config.global_defs();
  CHECK(GarpSettings(g) == "delay 500 ms, repeat 2, refresh 60000 ms, refresh repeat 3");
  CHECK(g.vrrp_garp_interval_ms() == 1);
  CHECK(g.vrrp_gna_interval_ms() == 250);
  const auto& vi = r.config.vrrp_instances(0);
  CHECK(vi.version() == 3);
  CHECK(vi.advert_int_ms() == 250);
  CHECK(vi.preempt_delay_ms() == 4120);
  // The delay is the instance's own, the rest from global_defs.
  CHECK(GarpSettings(vi) == "delay 2000 ms, repeat 2, refresh 60000 ms, refresh repeat 3");
  const auto& vs = r.config.virtual_servers(0);
  CHECK(vs.delay_loop_ms() == 2500);
  CHECK(vs.persistence_timeout_s() == 360);  // keepalived: 6 minutes when no value
  const auto& check = vs.real_servers(0).checkers(0);
  CHECK(check.connect_timeout_ms() == 750);
  CHECK(check.delay_before_retry_ms() == 100);
  CHECK(check.delay_loop_ms() == 2500);
  CHECK(check.warmup_ms() == 0);
}

TEST_CASE("checker settings: checker beats real server beats virtual server") {
  const ParseResult r = ParseOk(R"(
virtual_server 10.0.0.1 80 {
    retry 4
    connect_timeout 9
    delay_loop 20
    alpha
    inhibit_on_failure
    virtualhost vs.example
    real_server 10.0.0.2 8080 {
        retry 2
        delay_before_retry 7
        inhibit_on_failure off
        TCP_CHECK {
            retry 6
            connect_port 81
        }
        HTTP_GET {
            url {
                path /health
                digest 9B3A0C85A887A256D6939DA88AABD8CD
                status_code 200 301-302
            }
        }
    }
    real_server 10.0.0.3 8080 {
        TCP_CHECK {
        }
    }
}
)");
  const auto& vs = r.config.virtual_servers(0);
  CHECK(vs.retry() == 4);
  CHECK(vs.connect_timeout_ms() == 9000);
  CHECK(vs.inhibit_on_failure());
  CHECK(vs.alpha());
  const auto& rs1 = vs.real_servers(0);
  CHECK_FALSE(rs1.inhibit_on_failure());
  CHECK(rs1.alpha());
  const auto& tcp = rs1.checkers(0);
  CHECK(tcp.retry() == 6);
  CHECK(tcp.retry_set());
  CHECK(tcp.connect_timeout_ms() == 9000);
  CHECK(tcp.delay_before_retry_ms() == 7000);
  CHECK(tcp.delay_loop_ms() == 20000);
  CHECK(tcp.connect_port() == 81);
  CHECK(tcp.alpha());
  const auto& http = rs1.checkers(1);
  CHECK(http.retry() == 2);
  CHECK(http.http().virtualhost() == "vs.example");
  CHECK(http.http().urls(0).digest() == "9b3a0c85a887a256d6939da88aabd8cd");
  REQUIRE(http.http().urls(0).status_codes_size() == 2);
  CHECK(http.http().urls(0).status_codes(1).low() == 301);
  CHECK(http.http().urls(0).status_codes(1).high() == 302);
  const auto& rs2 = vs.real_servers(1);
  CHECK(rs2.inhibit_on_failure());
  CHECK(rs2.checkers(0).retry() == 4);
  CHECK(rs2.checkers(0).connect_port() == 8080);
}

TEST_CASE("nb_get_retry is retry everywhere, with a warning naming its line") {
  const ParseResult r = ParseWithWarnings(
      R"(virtual_server 10.0.0.1 80 {
    nb_get_retry 5
    real_server 10.0.0.2 80 {
        HTTP_GET {
            nb_get_retry 2
            url {
                path /
            }
        }
        TCP_CHECK {
        }
    }
}
)",
      "alias.conf",
      {"2:5: nb_get_retry: warning: deprecated alias of 'retry'; taken as 'retry 5'",
       "5:13: nb_get_retry: warning: deprecated alias of 'retry'; taken as 'retry 2'"});
  const auto& rs = r.config.virtual_servers(0).real_servers(0);
  CHECK(rs.checkers(0).retry() == 2);
  CHECK(rs.checkers(1).retry() == 5);
}

TEST_CASE(
    "vrrp_strict turns accept off; explicit accept wins on VRRPv3; vmac gets its default name") {
  const ParseResult r = ParseOk(R"(
global_defs {
    vrrp_strict
}
vrrp_instance A {
    interface eth0
    virtual_router_id 9
    use_vmac
    virtual_ipaddress {
        10.0.0.1
    }
}
vrrp_instance B {
    interface eth0
    virtual_router_id 10
    version 3
    accept
    use_vmac vrrp-b
    virtual_ipaddress {
        10.0.0.2
    }
}
)");
  CHECK_FALSE(r.config.vrrp_instances(0).accept());
  CHECK(r.config.vrrp_instances(0).strict());
  CHECK(r.config.vrrp_instances(0).use_vmac() == "vrrp.9");
  CHECK(r.config.vrrp_instances(1).accept());
  CHECK(r.config.vrrp_instances(1).use_vmac() == "vrrp-b");
}

TEST_CASE("strict mode resets what keepalived resets and refuses what it refuses") {
  // keepalived 2.2.7 vrrp_complete_instance: authentication, preempt_delay and a
  // state MASTER that is not the owner are reset; accept on VRRPv2 is turned off.
  const ParseResult r = ParseOk(R"(
vrrp_instance A {
    strict_mode
    state MASTER
    priority 150
    interface eth0
    virtual_router_id 9
    accept
    preempt_delay 5
    authentication {
        auth_type PASS
        auth_pass secret
    }
    virtual_ipaddress {
        10.0.0.1
    }
}
vrrp_instance Owner {
    strict_mode on
    interface eth0
    virtual_router_id 10
    priority 255
    virtual_ipaddress {
        10.0.0.2
    }
}
vrrp_instance Off {
    strict_mode off
    interface eth0
    virtual_router_id 11
    virtual_ipaddress {
        10.0.0.3
    }
}
)");
  const auto& a = r.config.vrrp_instances(0);
  CHECK(a.strict());
  CHECK(a.initial_state() == lvs::v1::BACKUP);
  CHECK(a.authentication().type() == lvs::v1::VrrpAuthentication::NONE);
  CHECK(a.preempt_delay_ms() == 0);
  CHECK_FALSE(a.accept());
  CHECK(r.config.vrrp_instances(1).accept());  // the owner always accepts
  CHECK_FALSE(r.config.vrrp_instances(2).strict());
  CHECK(r.config.vrrp_instances(2).accept());
  CHECK(r.config.global_defs().vrrp_firewall().table() == "keepalived");
  CHECK(r.config.global_defs().vrrp_firewall().priority() == -1);
  size_t strict_warnings = 0;
  for (const auto& d : r.diagnostics) {
    if (d.message().find("strict mode") != std::string::npos) ++strict_warnings;
  }
  CHECK(strict_warnings == 4);

  for (const char* body : {"unicast_peer {\n 10.0.0.9\n }\n virtual_ipaddress {\n 10.0.0.1\n }",
                           "no_virtual_ipaddress"}) {
    const std::string file = absl::StrCat(
        "global_defs {\n vrrp_strict\n}\nvrrp_instance A {\n interface eth0\n "
        "virtual_router_id 9\n ",
        body, "\n}\n");
    const ParseResult refused = ParseString(file, "test.conf");
    CHECK_FALSE(refused.ok());
  }
}

TEST_CASE("nftables settings: name, priority, counters; iptables is read as nftables") {
  const ParseResult r = ParseString(R"(
global_defs {
    nftables lvs_fw
    nftables_priority -5
    nftables_counters
    nftables_ifindex
    vrrp_iptables
}
)",
                                    "test.conf");
  CHECK(r.ok());
  CHECK(r.config.global_defs().vrrp_firewall().table() == "lvs_fw");
  CHECK(r.config.global_defs().vrrp_firewall().priority() == -5);
  CHECK(r.config.global_defs().vrrp_firewall().counters());
  // Only vrrp_iptables warns: vrrpd acts on the nftables settings.
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].message().find("nftables is used instead") != std::string::npos);
}

TEST_CASE("a virtual_server on a non-accept VIP is warned about: the drop rules come before IPVS") {
  const ParseResult r = ParseString(
      "\n" +
          VrrpInstanceText("A", {"interface eth0", "virtual_router_id 9", "no_accept"},
                           "10.0.0.1") +
          VrrpInstanceText("B", {"interface eth0", "virtual_router_id 10"}, "10.0.0.2") +
          R"(virtual_server 10.0.0.1 80 {
    real_server 10.1.0.1 80 {
    }
}
virtual_server 10.0.0.2 80 {
    real_server 10.1.0.1 80 {
    }
}
)",
      "test.conf");
  REQUIRE(r.ok());
  std::vector<std::string> warned;
  for (const auto& d : r.diagnostics) {
    if (d.message().find("non-accept mode") != std::string::npos) {
      warned.push_back(absl::StrCat(d.location().line()));
    }
  }
  CHECK(warned == std::vector<std::string>{"17"});  // 10.0.0.1's virtual_server, not 10.0.0.2's
}

TEST_CASE("state MASTER without a priority is the address owner, as keepalived derives it") {
  const ParseResult r = ParseString(
      "\n" +
          VrrpInstanceText("A", {"state MASTER", "interface eth0", "virtual_router_id 9"},
                           "10.0.0.1") +
          VrrpInstanceText("B", {"interface eth0", "virtual_router_id 10"}, "10.0.0.2"),
      "test.conf");
  CHECK(r.config.vrrp_instances(0).priority() == 255);
  CHECK(r.config.vrrp_instances(0).accept());
  CHECK(r.config.vrrp_instances(1).priority() == 100);
}

TEST_CASE("vrrp_min_garp sends one GARP and no second burst") {
  const ParseResult r = ParseOk(R"(
global_defs {
    vrrp_min_garp
}
vrrp_instance A {
    interface eth0
    virtual_router_id 9
    virtual_ipaddress {
        10.0.0.1
    }
}
)");
  CHECK(r.config.global_defs().vrrp_garp_master_repeat() == 1);
  CHECK(r.config.global_defs().vrrp_garp_master_delay_ms() == 0);
  CHECK(r.config.vrrp_instances(0).garp_master_repeat() == 1);
}

TEST_CASE("IPv6 instances run VRRPv3 and full virtual address entries are read") {
  const ParseResult r = ParseOk(R"(
vrrp_instance V6 {
    interface eth0
    virtual_router_id 3
    advert_int 0.5
    unicast_src_ip fd00::2
    unicast_peer {
        fd00::3
        fd00:0::4
    }
    virtual_ipaddress {
        fd00::100/64 dev eth1 label eth1:v6 scope global
    }
    virtual_ipaddress_excluded {
        192.168.1.1/24 brd 192.168.1.255 dev eth2 scope link
    }
    track_interface {
        eth1 weight -20
        eth2
    }
}
)");
  const auto& vi = r.config.vrrp_instances(0);
  CHECK(vi.family_inet6());
  CHECK(vi.version() == 3);
  CHECK(vi.advert_int_ms() == 500);
  CHECK(vi.unicast_src_ip() == "fd00::2");
  REQUIRE(vi.unicast_peers_size() == 2);
  CHECK(vi.unicast_peers(1) == "fd00::4");  // canonical form
  const auto& vip = vi.virtual_ipaddresses(0);
  CHECK(vip.address() == "fd00::100");
  CHECK(vip.prefix_len() == 64);
  CHECK(vip.dev() == "eth1");
  CHECK(vip.label() == "eth1:v6");
  const auto& ex = vi.virtual_ipaddresses_excluded(0);
  CHECK(ex.prefix_len() == 24);
  CHECK(ex.broadcast() == "192.168.1.255");
  CHECK(ex.dev() == "eth2");
  CHECK(ex.scope() == "link");
  REQUIRE(vi.track_interfaces_size() == 2);
  CHECK(vi.track_interfaces(0).weight() == -20);
  CHECK(vi.track_interfaces(1).weight() == 0);
}

TEST_CASE("sync groups, track scripts, fwmark and group virtual servers resolve") {
  const ParseResult r = ParseOk(R"(
global_defs {
    lvs_sync_daemon eth0 VI_1 id 51
}
vrrp_script chk {
    script "/usr/bin/pgrep haproxy"
    interval 2
    weight -10
    fall 3
    rise 2
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    virtual_ipaddress {
        10.0.0.1
    }
    track_script {
        chk weight 5
    }
    notify_master "/etc/lvs/master.sh"
    notify_backup "/etc/lvs/backup.sh" nobody nogroup
}
vrrp_sync_group G {
    group {
        VI_1
    }
    notify "/etc/lvs/notify.sh"
}
virtual_server_group web {
    10.0.0.1 80
    10.0.1.1-10 443
    fwmark 7
}
virtual_server group web {
    lb_algo sh
    sh-port
    real_server 10.0.0.2 80 {
    }
}
virtual_server fwmark 9 {
    lb_kind TUN
    sorry_server 10.0.0.9 8080
    real_server 10.0.0.3 {
    }
}
)");
  const auto& c = r.config;
  CHECK(c.global_defs().lvs_sync_daemon().interface() == "eth0");
  CHECK(c.global_defs().lvs_sync_daemon().vrrp_instance() == "VI_1");
  CHECK(c.global_defs().lvs_sync_daemon().sync_id() == 51);
  CHECK(c.vrrp_scripts(0).interval_ms() == 2000);
  CHECK(c.vrrp_scripts(0).timeout_ms() == 2000);
  CHECK(c.vrrp_scripts(0).weight() == -10);
  CHECK(c.vrrp_instances(0).track_scripts(0).weight() == 5);
  CHECK(c.vrrp_instances(0).track_scripts(0).weight_set());
  CHECK(c.vrrp_instances(0).notify_master().command() == "/etc/lvs/master.sh");
  CHECK(c.vrrp_instances(0).notify_master().user().empty());
  CHECK(c.vrrp_instances(0).notify_backup().user() == "nobody");
  CHECK(c.vrrp_instances(0).notify_backup().group() == "nogroup");
  CHECK(c.vrrp_sync_groups(0).instances(0) == "VI_1");
  CHECK(c.vrrp_sync_groups(0).notify().command() == "/etc/lvs/notify.sh");
  REQUIRE(c.virtual_server_groups(0).entries_size() == 3);
  CHECK(c.virtual_server_groups(0).entries(1).address() == "10.0.1.1-10");
  CHECK(c.virtual_server_groups(0).entries(1).port() == 443);
  CHECK(c.virtual_server_groups(0).entries(2).fwmark() == 7);
  CHECK(c.virtual_servers(0).group() == "web");
  CHECK(c.virtual_servers(0).lb_algo() == "sh");
  CHECK(c.virtual_servers(0).lb_flags(0) == "sh-port");
  CHECK(c.virtual_servers(1).fwmark() == 9);
  CHECK(c.virtual_servers(1).sorry_server().address() == "10.0.0.9");
  CHECK(c.virtual_servers(1).sorry_server().port() == 8080);
  CHECK(c.virtual_servers(1).sorry_server().lb_kind() == v1::TUN);  // the virtual server's
  CHECK(c.virtual_servers(1).real_servers(0).lb_kind() == v1::TUN);
  CHECK(c.virtual_servers(1).real_servers(0).port() == 0);
}

TEST_CASE("lvs_sync_daemon's maxlen, port, ttl and group, as keepalived's global_parser.c") {
  const std::string instance =
      "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n "
      "10.0.0.100\n }\n}\n";
  ParseResult r = ParseOk(
      "global_defs {\n lvs_sync_daemon eth0 VI_1 maxlen 1400 port 8850 ttl 3 group 239.1.2.3\n}\n" +
      instance);
  const v1::LvsSyncDaemon& d = r.config.global_defs().lvs_sync_daemon();
  CHECK(d.max_len() == 1400);
  CHECK(d.port() == 8850);
  CHECK(d.ttl() == 3);
  CHECK(d.group() == "239.1.2.3");
  CHECK(r.diagnostics.empty());
  CHECK(ParseOk("global_defs {\n lvs_sync_daemon eth0 group ff02::1:2\n}\n")
            .config.global_defs()
            .lvs_sync_daemon()
            .group() == "ff02::1:2");

  ParseResult bad = ParseWithWarnings(
      "global_defs {\n lvs_sync_daemon eth0 VI_1 ttl 0 group 10.0.0.1 maxlen 70000\n}\n" + instance,
      "t.conf",
      {"2:32: lvs_sync_daemon: warning: 0 is out of range 1-255; ignored (as keepalived)",
       "2:40: lvs_sync_daemon: warning: group '10.0.0.1' is not a multicast address; ignored (as "
       "keepalived)",
       "2:56: lvs_sync_daemon: warning: 70000 is out of range 1-65507; ignored (as keepalived)"});
  const v1::LvsSyncDaemon& b = bad.config.global_defs().lvs_sync_daemon();
  CHECK(b.ttl() == 0);
  CHECK(b.group().empty());
  CHECK(b.max_len() == 0);
}

TEST_CASE("lb_kind TUN's options and persistence_engine, as keepalived's check_parser.c") {
  ParseResult r = ParseOk(
      "virtual_server 10.0.0.1 5060 {\n lb_kind TUN type gue port 6080 csum\n protocol UDP\n"
      " persistence_timeout 60\n persistence_engine sip\n"
      " real_server 10.0.0.2 5060 {\n }\n"
      " real_server 10.0.0.3 5060 {\n  lvs_method TUN type gre remcsum\n }\n"
      " real_server 10.0.0.4 5060 {\n  lvs_method TUN type gre csum\n }\n}\n");
  const v1::VirtualServer& vs = r.config.virtual_servers(0);
  CHECK(vs.persistence_engine() == "sip");
  CHECK(vs.tunnel().type() == v1::Tunnel::GUE);
  CHECK(vs.tunnel().port() == 6080);
  CHECK(vs.tunnel().checksum() == v1::Tunnel::CSUM);
  // A real server without lb_kind takes the virtual server's method and tunnel.
  CHECK(vs.real_servers(0).lb_kind() == v1::TUN);
  CHECK(vs.real_servers(0).tunnel().type() == v1::Tunnel::GUE);
  CHECK(vs.real_servers(0).tunnel().port() == 6080);
  // gre has no remote checksum: keepalived drops the options (ipip).
  CHECK(vs.real_servers(1).lb_kind() == v1::TUN);
  CHECK(vs.real_servers(1).tunnel().type() == v1::Tunnel::IPIP);
  CHECK(vs.real_servers(2).tunnel().type() == v1::Tunnel::GRE);
  CHECK(vs.real_servers(2).tunnel().checksum() == v1::Tunnel::CSUM);
  CHECK(testing::Lines(r) ==
        std::vector<std::string>{
            "9:3: lvs_method: warning: a gre tunnel has no remote checksum option; tunnel options "
            "ignored, ipip is used (as keepalived)"});

  ParseResult gue = ParseString(
      "virtual_server 10.0.0.1 80 {\n lb_kind TUN type gue\n real_server 10.0.0.2 80 {\n }\n}\n",
      "t.conf");
  REQUIRE(gue.ok());
  CHECK(gue.config.virtual_servers(0).tunnel().type() == v1::Tunnel::IPIP);
  CHECK(testing::Lines(gue) ==
        std::vector<std::string>{"2:2: lb_kind: warning: a gue tunnel needs a port, and only "
                                 "gue has one; tunnel options ignored, ipip is used (as "
                                 "keepalived)"});
}

TEST_CASE("ip_family: a fwmark service's family; an address's cannot be changed") {
  ParseResult r = ParseOk(
      "virtual_server fwmark 7 {\n ip_family inet6\n real_server 2001:db8::2 80 {\n }\n}\n"
      "virtual_server fwmark 8 {\n real_server 2001:db8::3 80 {\n }\n}\n"
      "virtual_server 10.0.0.1 80 {\n ip_family inet6\n real_server 10.0.0.2 80 {\n }\n}\n"
      "virtual_server fwmark 9 {\n ip_family inet\n real_server 10.0.0.4 80 {\n }\n}\n");
  CHECK(r.config.virtual_servers(0).ipv6());
  CHECK(r.config.virtual_servers(1).ipv6());  // from its real servers, as before
  CHECK_FALSE(r.config.virtual_servers(2).ipv6());
  CHECK_FALSE(r.config.virtual_servers(3).ipv6());
  CHECK(testing::Lines(r) ==
        std::vector<std::string>{"11:12: ip_family: warning: 'inet6' conflicts with the virtual "
                                 "server's address; ignored (as keepalived)"});
}

TEST_CASE("a DR/TUN real server's own port is for its checks, as keepalived's check_data.c says") {
  ParseResult r = ParseOk(
      "virtual_server 10.0.0.1 80 {\n lb_kind DR\n real_server 10.0.0.2 8080 {\n }\n"
      " real_server 10.0.0.3 8080 {\n  lvs_method NAT\n }\n}\n"
      "virtual_server fwmark 3 {\n lb_kind DR\n real_server 10.0.0.4 443 {\n }\n}\n");
  CHECK(r.config.virtual_servers(0).real_servers(0).port() == 8080);  // what its checks use
  CHECK(testing::Lines(r) ==
        std::vector<std::string>{"3:2: real_server: warning: DR/TUN cannot change the port: IPVS "
                                 "gets 10.0.0.2:80, port 8080 is for its "
                                 "checks (as keepalived)",
                                 "11:2: real_server: warning: a fwmark service forwards DR/TUN "
                                 "without a port: IPVS gets 10.0.0.4:0, port 443 "
                                 "is for its checks (as keepalived)"});
}

TEST_CASE("checker and process scripts keep their own user, as keepalived runs them") {
  const ParseResult r = ParseString(R"(
global_defs {
    startup_script "/bin/true start" nobody nogroup
}
virtual_server 10.0.0.1 80 {
    quorum_up "/bin/echo up" nobody
    quorum_down /bin/false
    real_server 10.1.0.1 80 {
        notify_up "/bin/echo rs up" daemon daemon
    }
}
)",
                                    "test.conf");
  REQUIRE(r.ok());
  CHECK(r.diagnostics.empty());
  const auto& vs = r.config.virtual_servers(0);
  CHECK(vs.quorum_up().command() == "/bin/echo up");
  CHECK(vs.quorum_up().user() == "nobody");
  CHECK(vs.quorum_down().user().empty());
  CHECK(vs.real_servers(0).notify_up().user() == "daemon");
  CHECK(vs.real_servers(0).notify_up().group() == "daemon");
  CHECK(r.config.global_defs().startup_script().user() == "nobody");
  CHECK(r.config.global_defs().startup_script().group() == "nogroup");
}

TEST_CASE(
    "lower-priority behaviour: own value, else strict mode's, else global, else keepalived's") {
  const ParseResult r = ParseString(R"(
global_defs {
    vrrp_garp_master_delay 3
    vrrp_garp_master_repeat 2
    vrrp_higher_prio_send_advert
}
vrrp_instance A {
    interface eth0
    virtual_router_id 1
    garp_lower_prio_repeat 7
    lower_prio_no_advert
    virtual_ipaddress {
        10.0.0.1
    }
}
vrrp_instance B {
    interface eth0
    virtual_router_id 2
    virtual_ipaddress {
        10.0.0.2
    }
}
vrrp_instance C {
    interface eth0
    virtual_router_id 3
    strict_mode
    garp_lower_prio_repeat 4
    virtual_ipaddress {
        10.0.0.3
    }
}
)",
                                    "test.conf");
  REQUIRE(r.ok());
  const auto& a = r.config.vrrp_instances(0);
  CHECK(a.garp_lower_prio_repeat() == 7);
  CHECK(a.garp_lower_prio_delay_ms() == 3000);  // the global vrrp_garp_master_delay
  CHECK(a.lower_prio_no_advert());
  CHECK(a.higher_prio_send_advert());
  const auto& b = r.config.vrrp_instances(1);
  CHECK(b.garp_lower_prio_repeat() == 2);
  CHECK_FALSE(b.lower_prio_no_advert());
  const auto& c = r.config.vrrp_instances(2);
  CHECK(a.down_timer_adverts() == 3);
  CHECK(c.down_timer_adverts() == 3);
  CHECK(c.garp_lower_prio_repeat() == 0);  // reset by strict mode, with a warning
  CHECK(c.garp_lower_prio_delay_ms() == 0);
  CHECK(c.lower_prio_no_advert());
  CHECK_FALSE(c.higher_prio_send_advert());
  CHECK(std::any_of(r.diagnostics.begin(), r.diagnostics.end(), [](const auto& d) {
    return d.location().line() == 27 &&
           d.message().find("strict mode requires") != std::string::npos;
  }));
}

TEST_CASE(
    "a vrrp_instance's track_file: the file defined above, the entry's weight over the file's") {
  const ParseResult r = ParseString(R"(
track_file maint {
    file /run/maint
    weight -5
}
vrrp_instance A {
    interface eth0
    virtual_router_id 1
    track_file {
        maint weight 10 reverse
        later
    }
    virtual_ipaddress {
        10.0.0.1
    }
}
track_file later {
    file /run/later
}
)",
                                    "test.conf");
  REQUIRE(r.ok());
  const auto& a = r.config.vrrp_instances(0);
  REQUIRE(a.track_files_size() == 1);
  CHECK(a.track_files(0).path() == "/run/maint");
  CHECK(a.track_files(0).weight() == 10);
  CHECK(a.track_files(0).reverse());
  CHECK(testing::Lines(r) ==
        std::vector<std::string>{"11:9: later: warning: no track_file 'later' is defined above "
                                 "this line; ignored (as keepalived)"});
}

}  // namespace
}  // namespace lvs::config
