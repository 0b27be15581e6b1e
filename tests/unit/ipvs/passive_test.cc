// Passive health: the connection table's parser, the detector on recorded series
// (refusing, black-holed, slow but healthy, 1 request/s, a burst), the guard rails
// and the config keywords.
#include <catch2/catch.hpp>

#include "absl/strings/str_format.h"
#include "services/ipvsd/conn_table.h"
#include "services/ipvsd/desired_table.h"
#include "services/ipvsd/passive_detector.h"
#include "services/ipvsd/passive_health.h"
#include "tests/unit/ipvs/ipvs_test_util.h"

namespace lvs::ipvs {
namespace {

using testing::Real;
using testing::Services;
using testing::Svc;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);
const absl::Duration kTick = absl::Milliseconds(100);

TEST_CASE("conn table: IPv4 and IPv6 lines, the header, templates and junk") {
  const std::string text =
      "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n"
      "TCP C0A84001 D431 C0A84064 0050 C0A8408F 0050 SYN_RECV         59\n"
      "TCP C0A84001 D432 C0A84064 0050 C0A8408A 0050 FIN_WAIT        118\n"
      "IP  C0A84001 0000 C0A84064 0050 C0A8408A 0050 NONE            300\n"
      "TCP 2001:0db8:0000:0000:0000:0000:0000:0001 1F90 2001:0db8:0000:0000:0000:0000:0000:0064 "
      "0050 "
      "2001:0db8:0000:0000:0000:0000:0000:0002 0050 ESTABLISHED     899\n"
      "garbage line\n";
  std::vector<ConnEntry> got;
  ConnTableStats st = ParseConnTable(text, [&](const ConnEntry& e) { got.push_back(e); });
  CHECK(st.entries == 4);
  CHECK(st.refused_lines == 1);
  REQUIRE(got.size() == 4);
  CHECK(got[0].protocol == IPPROTO_TCP);
  CHECK(got[0].client.ToString() == "192.168.64.1");
  CHECK(got[0].client_port == 0xD431);
  CHECK(got[0].vaddr.ToString() == "192.168.64.100");
  CHECK(got[0].vport == 80);
  CHECK(got[0].daddr.ToString() == "192.168.64.143");
  CHECK(got[0].syn_recv);
  CHECK(got[0].expires_s == 59);
  CHECK_FALSE(got[1].syn_recv);
  CHECK(got[2].protocol == 0);  // a persistence template
  CHECK(got[3].daddr.ToString() == "2001:db8::2");
  CHECK(got[3].client_port == 8080);
  CHECK(got[0].Id() != got[1].Id());
}

// A recorded series: per tick, the connections to one real and their states.
struct Series {
  PassiveDetector d;
  absl::Time now = kT0;
  uint64_t next_id = 1;
  // live connections: id -> ticks left in SYN_RECV (-1: stuck for ever)
  std::map<uint64_t, int> live;
  bool ever_suspect = false;
  // Every `skip_every`-th listing of a connection is missing from its sample (the
  // /proc table read a page at a time while it changes); 0: none is.
  int skip_every = 0;
  int tick = 0;

  explicit Series(PassiveSettings s = {}) : d(s) {}
  void Tick(int new_conns, int handshake_ticks) {
    for (int i = 0; i < new_conns; ++i) live[next_id++] = handshake_ticks;
    std::vector<PassiveDetector::Conn> conns;
    for (auto& [id, left] : live) {
      const bool skipped = skip_every && (id + tick) % skip_every == 0;
      if (!skipped) conns.emplace_back(id, left != 0);
      if (left > 0) --left;
    }
    ++tick;
    d.Observe(now, conns);
    ever_suspect = ever_suspect || d.Judge().suspect;
    now += kTick;
  }
  // `rate` new connections a second for `seconds`, spread over the ticks.
  void Run(double rate, double seconds, int handshake_ticks) {
    double owed = 0;
    for (int t = 0; t < seconds * 10; ++t) {
      owed += rate / 10;
      int n = static_cast<int>(owed);
      owed -= n;
      Tick(n, handshake_ticks);
    }
  }
};

TEST_CASE("detector: a refusing real is suspect within half a second at 25 connections/s") {
  Series s;
  s.Run(25, 10, 0);  // healthy: handshakes shorter than a tick
  CHECK_FALSE(s.ever_suspect);
  CHECK(s.d.stuck_after() == absl::Milliseconds(100));  // learnt: the floor
  // The web server stops: every new connection stays in SYN_RECV.
  int ticks = 0;
  while (!s.d.Judge().suspect && ticks < 50) {
    s.Run(25, 0.1, -1);
    ++ticks;
  }
  CHECK(ticks <= 5);
  CHECK(s.d.Judge().failed >= 3);
  CHECK(s.d.Judge().ToString().find("got no second packet") != std::string::npos);
}

TEST_CASE(
    "detector: a sample that misses connections neither clears the run nor restarts the clock") {
  // A third of the listings missing: an old connection seen again is not a new one
  // that got through, and a waiting one keeps its first sighting.
  Series s;
  s.skip_every = 3;
  s.Run(25, 10, 0);
  CHECK_FALSE(s.ever_suspect);
  int ticks = 0;
  while (!s.d.Judge().suspect && ticks < 50) {
    s.Run(25, 0.1, -1);
    ++ticks;
  }
  CHECK(ticks <= 5);
  // Each failed connection is counted once, however often it went missing.
  CHECK(s.d.Judge().failed <= 25u * ticks / 10 + 1);
}

TEST_CASE("detector: a connection listed twice in one sample counts once") {
  PassiveDetector d;
  d.Observe(kT0, {});
  d.Observe(kT0 + kTick, {{7, false}, {7, false}});
  CHECK(d.Judge().judged == 1);
}

TEST_CASE("detector: a black-holed real (SYNs retransmitted, never answered) is suspect too") {
  Series s;
  s.Run(25, 5, 0);
  s.Run(25, 1, -1);
  CHECK(s.d.Judge().suspect);
}

TEST_CASE("detector: a slow but healthy real (handshakes of 500 ms) is never suspect") {
  Series s;
  s.Run(25, 30, 5);  // each connection seen in SYN_RECV for 5 ticks, then moves on
  CHECK_FALSE(s.ever_suspect);
  CHECK(s.d.stuck_after() >= absl::Milliseconds(1200));
}

TEST_CASE("detector: a real at 1 request/s is never suspect, even when it fails") {
  Series s;
  s.Run(1, 30, 0);
  s.Run(1, 30, -1);
  CHECK_FALSE(s.ever_suspect);
}

TEST_CASE("detector: a burst of new connections to a healthy real is not suspect") {
  Series s;
  s.Run(25, 5, 0);
  s.Tick(500, 1);  // 500 SYNs in one tick, each answered by the next
  s.Run(25, 3, 0);
  CHECK_FALSE(s.ever_suspect);
}

TEST_CASE("detector: before the clients' round trip is learnt, the cap applies") {
  Series s;
  s.Run(25, 0.5, -1);  // a failing real from the start: 12 connections, under learn_after
  CHECK(s.d.stuck_after() == absl::Seconds(3));
  CHECK_FALSE(s.d.Judge().suspect);
}

TEST_CASE("detector: Reset forgets the evidence, not the round trip") {
  Series s;
  s.Run(25, 5, 0);
  s.Run(25, 1, -1);
  REQUIRE(s.d.Judge().suspect);
  s.d.Reset();
  CHECK_FALSE(s.d.Judge().suspect);
  CHECK(s.d.stuck_after() == absl::Milliseconds(100));
}

// The seed's service with the passive check on, and a conn table to feed it.
constexpr char kPassiveSeed[] = R"(
virtual_server 192.168.64.100 80 {
  lb_algo rr
  lb_kind DR
  protocol TCP
  lvsha_passive_check
  real_server 192.168.64.143 80 { TCP_CHECK { connect_timeout 3 } }
  real_server 192.168.64.138 80 { TCP_CHECK { connect_timeout 3 } }
}
)";

std::string Line(int client_port, const char* real_hex, bool syn_recv) {
  return absl::StrFormat("TCP C0A84001 %04X C0A84064 0050 %s 0050 %-11s %7d\n", client_port,
                         real_hex, syn_recv ? "SYN_RECV" : "FIN_WAIT", 59);
}

TEST_CASE("passive health: rs1 refusing is ejected once; the last real never is") {
  auto services = Services(kPassiveSeed);
  REQUIRE(services.size() == 1);
  REQUIRE(services[0].passive.enabled);
  PassiveHealth p;
  p.SetServices(services);
  REQUIRE(p.enabled());
  std::set<RealRef> out;
  auto serving = [&](const RealRef& r) { return !out.count(r) && !p.ejected(r); };
  absl::Time now = kT0;
  int port = 1000;
  std::string table = "Pro FromIP ...\n";
  auto tick = [&](bool rs1_fails, bool rs2_fails) {
    table += Line(port++, "C0A8408F", rs1_fails);  // rs1 .143
    table += Line(port++, "C0A8408F", rs1_fails);
    table += Line(port++, "C0A8408A", rs2_fails);  // rs2 .138
    table += Line(port++, "C0A8408A", rs2_fails);
    auto r = p.Sample(now, table, serving);
    now += kTick;
    return r;
  };
  for (int i = 0; i < 50; ++i) REQUIRE(tick(false, false).ejected.empty());
  std::vector<PassiveHealth::Ejection> ejected;
  for (int i = 0; i < 10 && ejected.empty(); ++i) ejected = tick(true, false).ejected;
  REQUIRE(ejected.size() == 1);
  const RealRef rs1{Svc("192.168.64.100", 80), Real("192.168.64.143", 80)};
  CHECK(ejected[0].real == rs1);
  CHECK(ejected[0].target_id == "TCP 192.168.64.100:80 -> 192.168.64.143:80");
  CHECK(p.ejected(rs1));
  CHECK(p.ejections().at(rs1).find("new connections got no second packet") != std::string::npos);
  // rs2 fails too: it is the last one in rotation, so it stays, and that is said once.
  std::vector<std::string> held;
  for (int i = 0; i < 20; ++i) {
    auto r = tick(true, true);
    CHECK(r.ejected.empty());
    for (auto& h : r.held) held.push_back(h);
  }
  REQUIRE(held.size() == 1);
  CHECK(held[0].find("last real server in rotation") != std::string::npos);
  // Asked again only after the interval.
  CHECK(p.DueRechecks(now, absl::Seconds(30)).empty());
  CHECK(p.DueRechecks(now + absl::Seconds(31), absl::Seconds(30)).size() == 1);
  CHECK(p.Restore(rs1));
  CHECK_FALSE(p.ejected(rs1));
  CHECK_FALSE(p.Restore(rs1));
}

TEST_CASE("passive health: an ejected real is kept at weight 0 with its evidence") {
  auto services = Services(kPassiveSeed);
  HealthMap health;
  OverrideMap overrides;
  Table actual;
  std::map<ServiceKey, bool> quorum;
  std::map<RealRef, std::string> passive{{{Svc("192.168.64.100", 80), Real("192.168.64.143", 80)},
                                          "9 of 9 new connections got no second packet"}};
  DesiredTable d =
      BuildDesiredTable({&services, &health, &overrides, &actual, &quorum, kT0, nullptr, &passive});
  const auto& dests = d.table.at(Svc("192.168.64.100", 80)).dests;
  CHECK(dests.at(Real("192.168.64.143", 80)).spec.weight == 0);
  CHECK(dests.at(Real("192.168.64.138", 80)).spec.weight == 1);
  const auto& st = d.status.at(Svc("192.168.64.100", 80));
  CHECK(st.quorum_up);
  CHECK(st.reals.at(Real("192.168.64.143", 80)).passive_suspect ==
        "9 of 9 new connections got no second packet");
}

TEST_CASE("passive config: global default, per-service off, settings, and UDP left out") {
  auto services = Services(R"(
global_defs {
  lvsha_passive_check
  lvsha_passive_min_failures 8
}
virtual_server 10.0.0.1 80 {
  real_server 10.0.1.1 80 { TCP_CHECK { } }
}
virtual_server 10.0.0.2 80 {
  lvsha_passive_check off
  real_server 10.0.1.1 80 { TCP_CHECK { } }
}
virtual_server 10.0.0.3 80 {
  lvsha_passive_max_ejected 34
  real_server 10.0.1.1 80 { TCP_CHECK { } }
}
virtual_server 10.0.0.4 53 {
  protocol UDP
  real_server 10.0.1.1 53 { }
}
)");
  REQUIRE(services.size() == 4);
  CHECK(services[0].passive.enabled);
  CHECK(services[0].passive.min_failures == 8);
  CHECK(services[0].passive.max_ejected_percent == 50);
  CHECK_FALSE(services[1].passive.enabled);
  CHECK(services[2].passive.enabled);
  CHECK(services[2].passive.max_ejected_percent == 34);
  CHECK_FALSE(services[3].passive.enabled);
}

}  // namespace
}  // namespace lvs::ipvs
