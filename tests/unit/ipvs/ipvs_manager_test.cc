#include <unistd.h>

#include <cstdio>
#include <fstream>

#include <catch2/catch.hpp>

#include "absl/strings/str_format.h"

#include "absl/strings/str_cat.h"

#include "lib/runtime/logging.h"
#include "tests/unit/ipvs/fake_ipvs_kernel.h"
#include "services/ipvsd/ipvs_manager.h"
#include "tests/unit/ipvs/ipvs_test_util.h"

namespace lvs::ipvs {
namespace {

using testing::Real;
using testing::Svc;

const ServiceKey kVip = Svc("192.168.64.100", 80);
const std::string kRs1 = "TCP 192.168.64.100:80 -> 192.168.64.143:80";
const std::string kRs2 = "TCP 192.168.64.100:80 -> 192.168.64.138:80";

constexpr char kSyncConfig[] = R"(
global_defs {
  lvs_sync_daemon ens160 VI_1
}
vrrp_instance VI_1 {
  interface ens160
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    192.168.64.100/32
  }
}
)";

// A manager over the fake kernel, its config and state in a fresh directory.
struct Harness {
  std::string dir;
  std::string config_path;
  FakeIpvsKernel kernel;
  std::unique_ptr<StateStore> store;
  std::unique_ptr<IpvsManager> manager;
  std::vector<std::string> hooks;
  std::vector<std::string> fifo_lines;
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);

  bool own_whole_table = false;
  // Set: resyncs dump "off the loop", here by keeping the request for the test to answer.
  bool async_dump = false;
  std::vector<std::function<void(absl::StatusOr<Table>)>> dumps;

  std::vector<std::string> check_now;  // CheckNow asks, "id: reason"
  explicit Harness(const std::string& config = testing::kSeedVirtualServer, bool own_all = false)
      : own_whole_table(own_all) {
    runtime::SetLogLevel("off");
    char tmpl[] = "/tmp/ipvs-manager-test.XXXXXX";
    dir = mkdtemp(tmpl);
    config_path = dir + "/keepalived.conf";
    WriteConfig(config);
    store = std::make_unique<StateStore>(dir + "/ipvsd.state");
    Restart();
  }
  ~Harness() {
    std::remove(config_path.c_str());
    std::remove((dir + "/ipvsd.state").c_str());
    rmdir(dir.c_str());
  }
  void WriteConfig(const std::string& text) { std::ofstream(config_path) << text; }
  void Restart() {
    manager = std::make_unique<IpvsManager>(
        &kernel, store.get(),
        IpvsManager::Options{[this] { return config::ParseFile(config_path); },
                             [this] { return now; },
                             [this](const Hook& hook) { hooks.push_back(hook.command); }, nullptr,
                             [this](const std::string& line) { fifo_lines.push_back(line); },
                             own_whole_table, nullptr,
                             [this](std::function<void(absl::StatusOr<Table>)> done) {
                               if (!async_dump) return done(kernel.Dump());
                               dumps.push_back(std::move(done));
                             },
                             [this](const std::string& id, const std::string& reason) {
                               check_now.push_back(id + ": " + reason);
                             }});
    REQUIRE(manager->Start().ok());
  }
  std::map<DestKey, int32_t> Weights() {
    std::map<DestKey, int32_t> w;
    for (const auto& [k, d] : kernel.table().at(kVip).dests) w[k] = d.spec.weight;
    return w;
  }
  static lvs::v1::HealthEvent Health(const std::string& id, bool up) {
    lvs::v1::HealthEvent e;
    e.set_id(id);
    e.set_up(up);
    e.set_weight(-1);
    e.set_reason(up ? "connected" : "connection refused");
    return e;
  }
};

TEST_CASE("manager: start programs the table; a restart adopts it with no operation") {
  Harness h;
  CHECK(h.Weights().size() == 2);
  auto list = h.manager->List();
  REQUIRE(list.services_size() == 1);
  REQUIRE(list.services(0).reals_size() == 2);
  // ipvsadm -Ln's order, not the config's (which has .143 first).
  CHECK(list.services(0).reals(0).key().address() == "192.168.64.138");
  CHECK(list.services(0).reals(1).key().address() == "192.168.64.143");
  const size_t ops = h.kernel.operations_applied();
  h.kernel.table().at(kVip).stats.conns = 99;
  h.Restart();
  CHECK(h.kernel.operations_applied() == ops);
  CHECK(h.kernel.table().at(kVip).stats.conns == 99);
}

TEST_CASE("manager: a health change costs one operation; checkd gone holds the weights") {
  Harness h;
  h.manager->OnCheckerConnected(true);
  const size_t before = h.kernel.operations_applied();
  h.manager->OnHealth(Harness::Health(kRs2, false));
  CHECK(h.kernel.operations_applied() == before + 1);
  CHECK(h.Weights().count(Real("192.168.64.138", 80)) == 0);

  h.manager->OnCheckerConnected(false);
  h.manager->Resync();
  CHECK(h.Weights().count(Real("192.168.64.138", 80)) == 0);
  CHECK(h.manager->List().checker_connected() == false);
  CHECK(h.manager->StatusLine().find("fail static") != std::string::npos);
}

TEST_CASE("manager: resync repairs drift") {
  Harness h;
  h.kernel.Flush();
  h.manager->Resync();
  CHECK(h.Weights().size() == 2);
}

TEST_CASE(
    "manager: a resync's dump off the loop is used only if the table did not change meanwhile") {
  Harness h;
  h.async_dump = true;
  h.kernel.Flush();  // drift a resync must repair
  h.manager->Resync();
  REQUIRE(h.dumps.size() == 1);
  h.manager->Resync();  // one dump in flight at most
  CHECK(h.dumps.size() == 1);
  Table stale = *h.kernel.Dump();  // what the dump read: empty
  // Meanwhile a health change reaches the kernel (the fake re-creates nothing: the
  // service is gone, so the change is an add of the service and the other real).
  h.manager->OnHealth(Harness::Health(kRs2, false));
  h.dumps[0](stale);
  // The dump predates the change: not taken for the kernel's table.
  CHECK(h.manager->List().stats_at_unix_ms() == absl::ToUnixMillis(h.now));  // the start's dump
  h.now += absl::Seconds(10);
  h.manager->Resync();
  REQUIRE(h.dumps.size() == 2);
  h.dumps[1](h.kernel.Dump());
  CHECK(h.manager->List().stats_at_unix_ms() == absl::ToUnixMillis(h.now));
  CHECK(h.Weights().size() == 1);  // rs1 only: rs2 is down
}

TEST_CASE("manager: overrides are validated, applied, and survive a restart") {
  Harness h;
  lvs::v1::SetOverrideRequest req;
  req.mutable_service()->set_address("192.168.64.100");
  req.mutable_service()->set_port(80);

  SECTION("bad input is INVALID_ARGUMENT and changes nothing") {
    req.mutable_service()->set_address("not-an-address");
    req.set_override(lvs::v1::DISABLE);
    CHECK(h.manager->SetOverride(req).code() == absl::StatusCode::kInvalidArgument);
    req.mutable_service()->set_address("192.168.64.100");
    req.mutable_service()->set_port(70000);
    CHECK(h.manager->SetOverride(req).code() == absl::StatusCode::kInvalidArgument);
    req.mutable_service()->set_port(80);
    req.set_override(static_cast<lvs::v1::Override>(17));
    CHECK(h.manager->SetOverride(req).code() == absl::StatusCode::kInvalidArgument);
    req.set_override(lvs::v1::ENABLE);
    req.set_drain_timeout_s(3);
    CHECK(h.manager->SetOverride(req).code() == absl::StatusCode::kInvalidArgument);
    req.mutable_service()->set_port(81);
    req.set_drain_timeout_s(0);
    CHECK(h.manager->SetOverride(req).code() == absl::StatusCode::kNotFound);
    CHECK(h.Weights().size() == 2);
  }
  SECTION("disable persists across a restart, default clears it") {
    req.mutable_real()->set_address("192.168.64.143");
    req.mutable_real()->set_port(80);
    req.set_override(lvs::v1::DISABLE);
    REQUIRE(h.manager->SetOverride(req).ok());
    CHECK(h.Weights().count(Real("192.168.64.143", 80)) == 0);
    h.Restart();
    CHECK(h.Weights().count(Real("192.168.64.143", 80)) == 0);
    req.set_override(lvs::v1::OVERRIDE_UNSPECIFIED);
    REQUIRE(h.manager->SetOverride(req).ok());
    CHECK(h.Weights().count(Real("192.168.64.143", 80)) == 1);
    h.Restart();
    CHECK(h.Weights().count(Real("192.168.64.143", 80)) == 1);
  }
}

TEST_CASE("manager: reload validates first; dry run reports; a dropped service is deleted") {
  Harness h;
  h.WriteConfig("virtual_server 192.168.64.100 80 {\n  lb_kind FNAT\n}\n");
  auto r = h.manager->Reload(false);
  CHECK_FALSE(r.applied());
  std::vector<std::string> errors;
  for (const auto& d : r.diagnostics())
    if (d.severity() == lvs::v1::Diagnostic::ERROR)
      errors.push_back(
          absl::StrCat(d.location().line(), ":", d.location().column(), " ", d.keyword()));
  CHECK(errors == std::vector<std::string>{"2:11 lb_kind"});
  CHECK(h.Weights().size() == 2);

  h.WriteConfig(R"(
virtual_server 10.0.0.1 80 {
  lb_algo wrr
  real_server 10.0.1.1 80 {
    weight 2
  }
}
)");
  r = h.manager->Reload(true);
  CHECK_FALSE(r.applied());
  std::vector<std::string> changes(r.changes().begin(), r.changes().end());
  CHECK(changes ==
        std::vector<std::string>{"add service TCP 10.0.0.1:80 (wrr)",
                                 "add real 10.0.1.1:80 to TCP 10.0.0.1:80 (Masq, weight 2)",
                                 "delete service TCP 192.168.64.100:80"});
  CHECK(h.kernel.table().count(kVip) == 1);
  r = h.manager->Reload(false);
  CHECK(r.applied());
  CHECK(h.kernel.table().count(kVip) == 0);
  CHECK(h.kernel.table().count(Svc("10.0.0.1", 80)) == 1);
}

TEST_CASE("manager: flush needs the word, then holds until reload") {
  Harness h;
  CHECK(h.manager->Flush("yes").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(h.kernel.table().size() == 1);
  auto n = h.manager->Flush("flush");
  REQUIRE(n.ok());
  CHECK(*n == 1);
  h.manager->Resync();
  CHECK(h.kernel.table().empty());
  CHECK(h.manager->Reload(false).applied());
  CHECK(h.kernel.table().size() == 1);
}

TEST_CASE("manager: notify and quorum hooks run on transitions") {
  Harness h(R"(
virtual_server 192.168.64.100 80 {
  lb_algo rr
  lb_kind DR
  quorum 2
  quorum_up "/bin/echo quorum up"
  quorum_down "/bin/echo quorum down"
  real_server 192.168.64.143 80 {
    weight 1
    notify_down "/bin/echo rs1 down"
    TCP_CHECK {
      connect_timeout 3
    }
  }
  real_server 192.168.64.138 80 {
    weight 1
    TCP_CHECK {
      connect_timeout 3
    }
  }
}
)");
  h.manager->OnHealth(Harness::Health("TCP 192.168.64.100:80 -> 192.168.64.143:80", false));
  // keepalived's order: the real server's notifiers, then the quorum it changed.
  CHECK(h.hooks == std::vector<std::string>{"/bin/echo rs1 down", "/bin/echo quorum down"});
  // keepalived's notify FIFO lines for the same events.
  CHECK(h.fifo_lines ==
        std::vector<std::string>{"RS [192.168.64.143]:tcp:80 [192.168.64.100]:tcp:80 DOWN",
                                 "VS [192.168.64.100]:tcp:80 DOWN"});
  h.hooks.clear();
  h.manager->OnHealth(Harness::Health("TCP 192.168.64.100:80 -> 192.168.64.143:80", true));
  CHECK(h.hooks == std::vector<std::string>{"/bin/echo quorum up"});
}

TEST_CASE("manager: only the config's services are touched, unless told to own the table") {
  for (bool own_all : {false, true}) {
    Harness h(testing::kSeedVirtualServer, own_all);
    ServiceSpec foreign;
    foreign.key = Svc("10.9.9.9", 80);
    foreign.scheduler = "rr";
    REQUIRE(h.kernel.ApplyOne({Operation::Kind::kAddService, foreign, {}}).ok());
    h.manager->Resync();
    CHECK(h.kernel.table().count(foreign.key) == (own_all ? 0u : 1u));
    CHECK(h.kernel.table().count(kVip) == 1);
  }
}

TEST_CASE("manager: lvs_timeouts are set at start and reload, 0 leaving one as it is") {
  Harness h(std::string("global_defs {\n  lvs_timeouts tcp 7200 udp 290\n}\n") +
            testing::kSeedVirtualServer);
  auto t = h.kernel.GetTimeouts();
  REQUIRE(t.ok());
  CHECK((t->tcp_s == 7200 && t->tcp_fin_s == 120 && t->udp_s == 290));
  h.WriteConfig(std::string("global_defs {\n  lvs_timeouts tcpfin 110\n}\n") +
                testing::kSeedVirtualServer);
  REQUIRE(h.manager->Reload(false).applied());
  t = h.kernel.GetTimeouts();
  CHECK((t->tcp_s == 7200 && t->tcp_fin_s == 110 && t->udp_s == 290));
}

TEST_CASE(
    "manager: lvs_flush empties the table at start, others' services too; a reload does not") {
  ServiceSpec foreign;
  foreign.key = Svc("10.9.9.9", 80);
  foreign.scheduler = "rr";
  Harness h(std::string("global_defs {\n  lvs_flush\n}\n") + testing::kSeedVirtualServer);
  REQUIRE(h.kernel.ApplyOne({Operation::Kind::kAddService, foreign, {}}).ok());
  REQUIRE(h.manager->Reload(false).applied());
  CHECK(h.kernel.table().count(foreign.key) == 1);
  h.Restart();
  CHECK(h.kernel.table().count(foreign.key) == 0);
  CHECK(h.kernel.table().count(kVip) == 1);  // and then the config's table
  CHECK(h.Weights().size() == 2);
}

TEST_CASE("manager: at stop the table stays, unless lvs_flush_on_stop (all, or VS: ipvsd's own)") {
  ServiceSpec foreign;
  foreign.key = Svc("10.9.9.9", 80);
  foreign.scheduler = "rr";
  for (const char* option : {"", "lvs_flush_on_stop", "lvs_flush_on_stop VS"}) {
    INFO(option);
    Harness h(absl::StrCat("global_defs {\n  ", option, "\n}\n", testing::kSeedVirtualServer));
    REQUIRE(h.kernel.ApplyOne({Operation::Kind::kAddService, foreign, {}}).ok());
    h.manager->Shutdown();
    const std::string mode = option;
    CHECK(h.kernel.table().count(kVip) == (mode.empty() ? 1u : 0u));
    CHECK(h.kernel.table().count(foreign.key) == (mode == "lvs_flush_on_stop" ? 0u : 1u));
  }
}

TEST_CASE("manager: omega runs the shutdown notifications; without it, none") {
  const std::string config = R"(
virtual_server 192.168.64.100 80 {
  lb_algo rr
  omega
  quorum_down "/bin/echo quorum down"
  real_server 192.168.64.143 80 {
    weight 1
    notify_down "/bin/echo rs1 down"
  }
}
)";
  Harness with(config);
  with.manager->Shutdown();
  CHECK(with.hooks == std::vector<std::string>{"/bin/echo quorum down", "/bin/echo rs1 down"});
  CHECK(with.kernel.table().count(kVip) == 1);  // the table stays

  std::string no_omega = config;
  no_omega.erase(no_omega.find("  omega\n"), 8);
  Harness without(no_omega);
  without.manager->Shutdown();
  CHECK(without.hooks.empty());
}

TEST_CASE("manager: the sync daemon's role follows the VRRP instance") {
  Harness h(std::string(kSyncConfig) + testing::kSeedVirtualServer);
  auto daemons = *h.kernel.GetSyncDaemons();
  REQUIRE(daemons.size() == 1);
  CHECK(daemons[0].role == SyncRole::kBackup);  // until vrrpd says otherwise
  CHECK(daemons[0].interface == "ens160");
  CHECK(daemons[0].sync_id == 51);
  CHECK(h.manager->SyncInstance() == "VI_1");

  h.manager->OnVrrpState("VI_1", lvs::v1::MASTER);
  daemons = *h.kernel.GetSyncDaemons();
  REQUIRE(daemons.size() == 1);
  CHECK(daemons[0].role == SyncRole::kMaster);

  h.manager->OnVrrpState("VI_2", lvs::v1::BACKUP);  // not the one it follows
  CHECK(h.kernel.GetSyncDaemons()->at(0).role == SyncRole::kMaster);
  h.manager->OnVrrpState("VI_1", lvs::v1::FAULT);
  CHECK(h.kernel.GetSyncDaemons()->at(0).role == SyncRole::kBackup);
}

TEST_CASE("manager: the sync daemon gets lvs_sync_daemon's maxlen, port, ttl and group") {
  std::string config = kSyncConfig;
  config.replace(config.find("ens160 VI_1"), 11,
                 "ens160 VI_1 id 7 maxlen 1400 port 8850 ttl 3 group 239.1.2.3");
  Harness h(config + testing::kSeedVirtualServer);
  auto daemons = *h.kernel.GetSyncDaemons();
  REQUIRE(daemons.size() == 1);
  CHECK(daemons[0].sync_id == 7);
  CHECK(daemons[0].max_len == 1400);
  CHECK(daemons[0].port == 8850);
  CHECK(daemons[0].ttl == 3);
  REQUIRE(daemons[0].group);
  CHECK(daemons[0].group->ToString() == "239.1.2.3");
  // Already running as asked: a role change restarts it with the same options.
  h.manager->OnVrrpState("VI_1", lvs::v1::MASTER);
  daemons = *h.kernel.GetSyncDaemons();
  REQUIRE(daemons.size() == 1);
  CHECK(daemons[0].role == SyncRole::kMaster);
  CHECK(daemons[0].port == 8850);
}

TEST_CASE(
    "manager: a sync daemon that follows no instance runs as master and backup, as keepalived's "
    "checker") {
  Harness h(std::string("global_defs {\n  lvs_sync_daemon ens160 id 9 port 8850\n}\n") +
            testing::kSeedVirtualServer);
  auto daemons = *h.kernel.GetSyncDaemons();
  REQUIRE(daemons.size() == 2);
  std::set<SyncRole> roles;
  for (const SyncDaemon& d : daemons) {
    roles.insert(d.role);
    CHECK(d.sync_id == 9);
    CHECK(d.port == 8850);
  }
  CHECK(roles == std::set<SyncRole>{SyncRole::kMaster, SyncRole::kBackup});
  h.manager->Resync();  // already as asked: nothing restarted
  CHECK(h.kernel.GetSyncDaemons()->size() == 2);
}

}  // namespace
}  // namespace lvs::ipvs

namespace lvs::ipvs {
namespace {

// A real server whose only checker is of a kind lvs-ha does not run is in rotation
// and shown UNCHECKED, never UP; the config says so with a warning.
TEST_CASE("manager: a real with only unimplemented checkers is UNCHECKED, in rotation") {
  Harness h(R"(
virtual_server 192.168.64.100 80 {
  lb_algo rr
  lb_kind DR
  real_server 192.168.64.143 80 {
    BFD_CHECK {
      name bfd1
    }
  }
  real_server 192.168.64.138 80 {
    TCP_CHECK {
    }
  }
}
)");
  CHECK(h.Weights().size() == 2);
  auto list = h.manager->List();
  REQUIRE(list.services_size() == 1);
  REQUIRE(list.services(0).reals_size() == 2);
  const auto& pinged = list.services(0).reals(1);
  CHECK(pinged.key().address() == "192.168.64.143");
  CHECK(pinged.health() == lvs::v1::UNCHECKED);
  CHECK(pinged.health_reason() == "BFD_CHECK not run by lvs-ha");
  CHECK(list.services(0).reals(0).health() != lvs::v1::UNCHECKED);
  CHECK(list.config_warnings() >= 2);  // the BFD_CHECK block, and the real it leaves unchecked
}

}  // namespace
}  // namespace lvs::ipvs

namespace lvs::ipvs {
namespace {

// The seed with lvsha_passive_check in global_defs (the virtual server inherits it).
std::string PassiveSeed() {
  return std::string("global_defs {\n  lvsha_passive_check\n}\n") + testing::kSeedVirtualServer;
}

TEST_CASE(
    "manager: the passive check takes rs1 out at weight 0, asks for its checks, and its checks "
    "bring it back") {
  Harness h(PassiveSeed());
  h.manager->OnCheckerConnected(true);
  REQUIRE(h.manager->PassiveEnabled());
  std::string table =
      "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n";
  int port = 2000;
  absl::Time t = absl::FromUnixSeconds(1'800'000'000);
  auto sample = [&](bool rs1_refuses) {
    for (const char* real : {"C0A8408F", "C0A8408A"}) {  // .143 (rs1), .138 (rs2)
      const bool syn = rs1_refuses && std::string(real) == "C0A8408F";
      table += absl::StrFormat("TCP C0A84001 %04X C0A84064 0050 %s 0050 %-11s %7d\n", port++, real,
                               syn ? "SYN_RECV" : "FIN_WAIT", 59);
    }
    h.manager->OnConnectionTable(t, table);
    t += absl::Milliseconds(100);
  };
  for (int i = 0; i < 30; ++i) sample(false);
  CHECK(h.check_now.empty());
  for (int i = 0; i < 10 && h.check_now.empty(); ++i) sample(true);
  REQUIRE(h.check_now.size() == 1);
  CHECK(h.check_now[0].find(kRs1 + ": passive: ") == 0);
  CHECK(h.Weights().at(Real("192.168.64.143", 80)) == 0);
  CHECK(h.Weights().at(Real("192.168.64.138", 80)) == 1);
  auto list = h.manager->List();
  const auto& reals = list.services(0).reals();
  CHECK(reals[1].passive_suspect().find("got no second packet") != std::string::npos);
  CHECK(reals[0].passive_suspect().empty());
  // A recheck that fails keeps it out; one that passes brings its weight back.
  auto recheck = Harness::Health(kRs1, true);
  recheck.set_recheck(true);
  h.manager->OnHealth(Harness::Health(kRs1, true));  // a plain snapshot-like "up": no
  CHECK(h.Weights().at(Real("192.168.64.143", 80)) == 0);
  h.manager->OnHealth(recheck);
  CHECK(h.Weights().at(Real("192.168.64.143", 80)) == 1);
  CHECK(h.manager->List().services(0).reals(1).passive_suspect().empty());
}

TEST_CASE(
    "manager: an ejected real that its checks declare down leaves, and returns when they say up") {
  Harness h(PassiveSeed());
  h.manager->OnCheckerConnected(true);
  std::string table = "Pro\n";
  int port = 3000;
  absl::Time t = absl::FromUnixSeconds(1'800'000'000);
  auto sample = [&](bool refuse) {
    table += absl::StrFormat("TCP C0A84001 %04X C0A84064 0050 C0A8408F 0050 %-11s %7d\n", port++,
                             refuse ? "SYN_RECV" : "FIN_WAIT", 59);
    table += absl::StrFormat("TCP C0A84001 %04X C0A84064 0050 C0A8408A 0050 FIN_WAIT    %7d\n",
                             port++, 59);
    h.manager->OnConnectionTable(t, table);
    t += absl::Milliseconds(100);
  };
  for (int i = 0; i < 30; ++i) sample(false);
  for (int i = 0; i < 10 && h.check_now.empty(); ++i) sample(true);
  REQUIRE(h.check_now.size() == 1);
  h.manager->OnHealth(Harness::Health(kRs1, false));
  CHECK(h.Weights().count(Real("192.168.64.143", 80)) == 0);
  h.manager->OnHealth(Harness::Health(kRs1, true));
  CHECK(h.Weights().at(Real("192.168.64.143", 80)) == 1);
}

}  // namespace
}  // namespace lvs::ipvs
