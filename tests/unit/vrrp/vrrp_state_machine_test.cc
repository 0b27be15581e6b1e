// RFC 5798 §6.4 transitions, with keepalived's timing, on a fake clock.
#include "services/vrrpd/vrrp_state_machine.h"

#include <catch2/catch.hpp>

#include "services/vrrpd/vrrp_sync_group.h"

namespace lvs::vrrp {
namespace {

using Kind = Action::Kind;

const absl::Time kT0 = absl::FromUnixSeconds(1000);
net::IpAddress Ip(const char* s) { return *net::IpAddress::Parse(s); }
const net::IpAddress kUs = Ip("192.168.64.137");
const net::IpAddress kHigherAddr = Ip("192.168.64.200");
const net::IpAddress kLowerAddr = Ip("192.168.64.2");

VrrpConfig Seed(uint8_t priority = 90) {
  VrrpConfig c;
  c.name = "VI_1";
  c.vrid = 51;
  c.priority = priority;
  c.primary_address = kUs;
  return c;
}

bool Has(const Actions& a, Kind k) {
  return std::any_of(a.begin(), a.end(), [k](const Action& x) { return x.kind == k; });
}
const Action* Find(const Actions& a, Kind k) {
  for (const Action& x : a) {
    if (x.kind == k) return &x;
  }
  return nullptr;
}

// Drives a backup to MASTER through its Master_Down timer.
void MakeMaster(VrrpStateMachine& m, absl::Time& now) {
  m.Start(now);
  now = *m.NextDeadline();
  m.OnTimer(now);
  REQUIRE(m.state() == State::kMaster);
}

TEST_CASE("timing: Master_Down = 3 x interval + skew, v2 and v3") {
  SECTION("v2, priority 90: skew (256-90)/256 s") {
    VrrpStateMachine m(Seed(90), nullptr);
    CHECK(m.skew_time() == absl::Microseconds(648437.5));
    CHECK(m.master_down_interval() == absl::Seconds(3) + absl::Microseconds(648437.5));
  }
  SECTION("v3 at advert_int 0.1 scales the skew with the interval") {
    VrrpConfig c = Seed(100);
    c.version = 3;
    c.advert_int = absl::Milliseconds(100);
    VrrpStateMachine m(c, nullptr);
    CHECK(m.skew_time() == absl::Milliseconds(100) * 156 / 256);
    CHECK(m.master_down_interval() ==
          absl::Milliseconds(300) + absl::Milliseconds(100) * 156 / 256);
  }
  SECTION("down_timer_adverts replaces the 3") {
    VrrpConfig c = Seed(90);
    c.down_timer_adverts = 5;
    VrrpStateMachine m(c, nullptr);
    CHECK(m.master_down_interval() == absl::Seconds(5) + absl::Microseconds(648437.5));
  }
  SECTION("v2 skew does not scale with the interval") {
    VrrpConfig c = Seed(100);
    c.advert_int = absl::Seconds(2);
    VrrpStateMachine m(c, nullptr);
    CHECK(m.skew_time() == absl::Seconds(1) * 156 / 256);
  }
}

TEST_CASE("§6.4.1 Initialize: the address owner becomes master at once") {
  VrrpStateMachine m(Seed(255), nullptr);
  Actions a = m.Start(kT0);
  CHECK(m.state() == State::kMaster);
  REQUIRE(a.size() >= 4);
  CHECK(a[0].kind == Kind::kAddVips);
  CHECK(a[1] == Action{.kind = Kind::kSendAdvert, .priority = 255});
  CHECK(a[2] == Action{.kind = Kind::kSendGarp, .count = 5});
  CHECK(a[3] == Action{.kind = Kind::kNotify, .state = State::kMaster});
  CHECK(m.NextDeadline() == kT0 + absl::Seconds(1));
}

TEST_CASE("§6.4.1 Initialize: others start as backup and arm Master_Down") {
  VrrpStateMachine m(Seed(90), nullptr);
  Actions a = m.Start(kT0);
  CHECK(m.state() == State::kBackup);
  CHECK(!Has(a, Kind::kAddVips));
  CHECK(!Has(a, Kind::kSendAdvert));
  CHECK(m.NextDeadline() == kT0 + m.master_down_interval());
}

TEST_CASE("§6.4.2 Backup") {
  VrrpStateMachine m(Seed(90), nullptr);
  m.Start(kT0);
  const absl::Time t1 = kT0 + absl::Seconds(1);

  SECTION("Master_Down expiry -> MASTER with advert, VIPs, GARP, notify") {
    const absl::Time down = *m.NextDeadline();
    CHECK(m.OnTimer(down - absl::Milliseconds(1)).empty());
    CHECK(m.state() == State::kBackup);
    Actions a = m.OnTimer(down);
    CHECK(m.state() == State::kMaster);
    CHECK(Find(a, Kind::kSendAdvert)->priority == 90);
    CHECK(Has(a, Kind::kAddVips));
    CHECK(Find(a, Kind::kSendGarp)->count == 5);
  }
  SECTION("a higher priority advert resets Master_Down") {
    CHECK(m.OnAdvert(t1, kLowerAddr, 100, 100).empty());
    CHECK(m.NextDeadline() == t1 + m.master_down_interval());
    CHECK(m.master_address() == kLowerAddr);
  }
  SECTION("an equal priority advert also resets Master_Down") {
    m.OnAdvert(t1, kLowerAddr, 90, 100);
    CHECK(m.NextDeadline() == t1 + m.master_down_interval());
  }
  SECTION("priority 0: Master_Down becomes the skew time") {
    m.OnAdvert(t1, kLowerAddr, 0, 100);
    CHECK(m.NextDeadline() == t1 + m.skew_time());
    m.OnTimer(t1 + m.skew_time());
    CHECK(m.state() == State::kMaster);
  }
  SECTION("a lower priority advert is discarded (preempt): we take over at Master_Down") {
    const absl::Time down = *m.NextDeadline();
    m.OnAdvert(t1, kLowerAddr, 50, 100);
    CHECK(m.NextDeadline() == down);
  }
  SECTION("shutdown in backup sends nothing") {
    Actions a = m.Stop(t1, "shutdown");
    CHECK(m.state() == State::kStopped);
    CHECK(!Has(a, Kind::kSendAdvert));
    CHECK(!Has(a, Kind::kRemoveVips));
    CHECK(!m.NextDeadline());
  }
}

TEST_CASE("nopreempt accepts a lower priority master") {
  VrrpConfig c = Seed(100);
  c.preempt = false;
  VrrpStateMachine m(c, nullptr);
  m.Start(kT0);
  const absl::Time t1 = kT0 + absl::Seconds(1);
  m.OnAdvert(t1, kLowerAddr, 50, 100);
  CHECK(m.NextDeadline() == t1 + m.master_down_interval());
}

TEST_CASE("preempt_delay holds preemption back for the delay, then preempts") {
  VrrpConfig c = Seed(100);
  c.preempt_delay = absl::Seconds(10);
  VrrpStateMachine m(c, nullptr);
  m.Start(kT0);
  absl::Time t = kT0;
  for (int i = 0; i < 10; ++i) {
    t += absl::Seconds(1);
    m.OnAdvert(t, kLowerAddr, 50, 100);
    CHECK(m.NextDeadline() == t + m.master_down_interval());
  }
  t += absl::Seconds(1);  // 11 s after the first lower advert: window over
  const absl::Time armed = *m.NextDeadline();
  m.OnAdvert(t, kLowerAddr, 50, 100);
  CHECK(m.NextDeadline() == armed);
  m.OnTimer(armed);
  CHECK(m.state() == State::kMaster);
}

TEST_CASE("v3 backup learns Master_Adver_Interval from the master") {
  VrrpConfig c = Seed(90);
  c.version = 3;
  VrrpStateMachine m(c, nullptr);
  m.Start(kT0);
  m.OnAdvert(kT0, kLowerAddr, 100, 10);
  CHECK(m.master_down_interval() == absl::Milliseconds(300) + absl::Milliseconds(100) * 166 / 256);
}

TEST_CASE("§6.4.3 Master") {
  VrrpStateMachine m(Seed(100), nullptr);
  absl::Time now = kT0;
  MakeMaster(m, now);

  SECTION("Adver_Timer sends an advert every interval") {
    for (int i = 1; i <= 3; ++i) {
      now = *m.NextDeadline();
      CHECK(now == kT0 + m.master_down_interval() + absl::Seconds(i));
      Actions a = m.OnTimer(now);
      REQUIRE(a.size() == 1);
      CHECK(a[0] == Action{.kind = Kind::kSendAdvert, .priority = 100});
    }
  }
  SECTION("the second GARP burst follows garp_master_delay") {
    const absl::Time entered = now;
    int garps = 0;
    while (now < entered + absl::Seconds(6)) {
      now = *m.NextDeadline();
      if (const Action* g = Find(m.OnTimer(now), Kind::kSendGarp)) {
        CHECK(now == entered + absl::Seconds(5));
        CHECK(g->count == 5);
        ++garps;
      }
    }
    CHECK(garps == 1);
  }
  SECTION("priority 0 from a peer: advert at once") {
    now += absl::Milliseconds(300);
    Actions a = m.OnAdvert(now, kLowerAddr, 0, 100);
    CHECK(a == Actions{{.kind = Kind::kSendAdvert, .priority = 100}});
    CHECK(m.NextDeadline() == now + absl::Seconds(1));
  }
  SECTION("a higher priority -> BACKUP, VIPs removed, no priority 0") {
    Actions a = m.OnAdvert(now, kLowerAddr, 150, 100);
    CHECK(m.state() == State::kBackup);
    CHECK(Has(a, Kind::kRemoveVips));
    CHECK(!Has(a, Kind::kSendAdvert));
    CHECK(m.master_address() == kLowerAddr);
    CHECK(m.NextDeadline() == now + m.master_down_interval());
  }
  SECTION("equal priority from a higher address -> BACKUP") {
    m.OnAdvert(now, kHigherAddr, 100, 100);
    CHECK(m.state() == State::kBackup);
  }
  SECTION("equal priority from a lower address -> stay master and re-assert") {
    Actions a = m.OnAdvert(now, kLowerAddr, 100, 100);
    CHECK(m.state() == State::kMaster);
    CHECK(Has(a, Kind::kSendAdvert));
  }
  SECTION("a lower priority (healed split brain) -> advert and GARP at once") {
    Actions a = m.OnAdvert(now, kLowerAddr, 90, 100);
    CHECK(m.state() == State::kMaster);
    CHECK(Find(a, Kind::kSendAdvert)->priority == 100);
    CHECK(Find(a, Kind::kSendGarp)->count == 5);
  }
  SECTION("shutdown -> priority 0 advert, then VIPs removed") {
    Actions a = m.Stop(now, "SIGTERM");
    CHECK(m.state() == State::kStopped);
    REQUIRE(a.size() == 3);
    CHECK(a[0] == Action{.kind = Kind::kSendAdvert, .priority = 0});
    CHECK(a[1].kind == Kind::kRemoveVips);
    CHECK(a[2] == Action{.kind = Kind::kNotify, .state = State::kStopped});
    CHECK(!m.NextDeadline());
    Actions r = m.Resume(now + absl::Seconds(1));
    CHECK(m.state() == State::kBackup);
    CHECK(!Has(r, Kind::kSendAdvert));
  }
}

TEST_CASE("two healed masters converge on the higher priority") {
  VrrpConfig ca = Seed(100);
  ca.primary_address = Ip("192.168.64.130");
  VrrpStateMachine a(ca, nullptr), b(Seed(90), nullptr);
  absl::Time ta = kT0, tb = kT0;
  MakeMaster(a, ta);
  MakeMaster(b, tb);
  const absl::Time now = std::max(ta, tb) + absl::Milliseconds(10);
  Actions from_b_hearing_a = b.OnAdvert(now, ca.primary_address, 100, 100);
  Actions from_a_hearing_b = a.OnAdvert(now, kUs, 90, 100);
  CHECK(a.state() == State::kMaster);
  CHECK(b.state() == State::kBackup);
  CHECK(Has(from_a_hearing_b, Kind::kSendGarp));
  CHECK(Has(from_b_hearing_a, Kind::kRemoveVips));
}

TEST_CASE("a lower priority heard by a master: advert, GARPs, and GARPs again after the delay") {
  VrrpConfig c = Seed(100);
  c.primary_address = Ip("192.168.64.130");
  c.garp_master_delay = absl::ZeroDuration();  // only the lower-priority GARPs below
  c.garp_lower_prio_repeat = 3;
  c.garp_lower_prio_delay = absl::Seconds(5);
  absl::Time now = kT0;
  SECTION("keepalived's default shape") {
    VrrpStateMachine m(c, nullptr);
    MakeMaster(m, now);
    const Actions a = m.OnAdvert(now, kUs, 50, 100);
    CHECK(Has(a, Kind::kSendAdvert));
    CHECK(Has(a, Kind::kLowerPriorityHeard));
    REQUIRE(Find(a, Kind::kSendGarp) != nullptr);
    CHECK(Find(a, Kind::kSendGarp)->count == 3);
    REQUIRE(m.NextDeadline().has_value());
    const Actions later = m.OnTimer(now + absl::Seconds(5));
    REQUIRE(Find(later, Kind::kSendGarp) != nullptr);
    CHECK(Find(later, Kind::kSendGarp)->count == 3);
  }
  SECTION("lower_prio_no_advert and garp_lower_prio_repeat 0: nothing at all") {
    c.lower_prio_no_advert = true;
    c.garp_lower_prio_repeat = 0;
    VrrpStateMachine m(c, nullptr);
    MakeMaster(m, now);
    const Actions a = m.OnAdvert(now, kUs, 50, 100);
    CHECK(a == Actions{Action{.kind = Kind::kLowerPriorityHeard}});  // only the notify
    CHECK(m.state() == State::kMaster);
  }
  SECTION("higher_prio_send_advert: one advert, then backup") {
    c.higher_prio_send_advert = true;
    VrrpStateMachine m(c, nullptr);
    MakeMaster(m, now);
    const Actions a = m.OnAdvert(now, kHigherAddr, 200, 100);
    REQUIRE(Find(a, Kind::kSendAdvert) != nullptr);
    CHECK(Find(a, Kind::kSendAdvert)->priority == 100);
    CHECK(m.state() == State::kBackup);
  }
}

TEST_CASE("a flood of lower-priority adverts is answered once per advert interval") {
  VrrpConfig c = Seed(100);
  c.primary_address = Ip("192.168.64.130");
  VrrpStateMachine m(c, nullptr);
  absl::Time now = kT0;
  MakeMaster(m, now);
  int reasserts = 0;
  for (int i = 0; i < 1000; ++i) {
    const absl::Time at = now + absl::Milliseconds(i);  // 1000 adverts in one second
    Actions a = m.OnAdvert(at, kUs, 50, 100);
    reasserts += Has(a, Kind::kSendGarp);
    CHECK(m.state() == State::kMaster);
  }
  CHECK(reasserts == 1);
  Actions later = m.OnAdvert(now + absl::Seconds(1), kUs, 50, 100);
  CHECK(Has(later, Kind::kSendGarp));
  CHECK(Has(later, Kind::kSendAdvert));
}

TEST_CASE("a takeover after a priority-0 advert says so") {
  VrrpStateMachine m(Seed(90), nullptr);
  absl::Time now = kT0;
  m.Start(now);
  m.OnAdvert(now, kHigherAddr, 100, 100);
  now += absl::Milliseconds(500);
  m.OnAdvert(now, kHigherAddr, 0, 100);
  now = *m.NextDeadline();
  m.OnTimer(now);
  REQUIRE(m.state() == State::kMaster);
  CHECK(m.last_reason().find("stepped down (priority 0 advert)") != std::string::npos);
}

TEST_CASE("RequestFailover: priority 0, backup, and no preemption of the new master") {
  VrrpStateMachine m(Seed(100), nullptr);
  absl::Time now = kT0;
  MakeMaster(m, now);
  Actions a = m.RequestFailover(now);
  CHECK(m.state() == State::kBackup);
  CHECK(a[0] == Action{.kind = Kind::kSendAdvert, .priority = 0});
  CHECK(Has(a, Kind::kRemoveVips));
  now += absl::Seconds(1);
  m.OnAdvert(now, kLowerAddr, 90, 100);  // lower, but we yielded: accepted
  CHECK(m.NextDeadline() == now + m.master_down_interval());
  // The new master dies: we take over by the normal rules.
  now = *m.NextDeadline();
  m.OnTimer(now);
  CHECK(m.state() == State::kMaster);
  CHECK(m.RequestFailover(now).size() > 0);
  CHECK(VrrpStateMachine(Seed(100), nullptr).RequestFailover(now).empty());
}

TEST_CASE("track weights change the effective priority; weight 0 means FAULT") {
  VrrpConfig c = Seed(100);
  c.tracked = {{"if:eth1", -30}, {"script:chk", 20}, {"if:ens161", 0}};
  VrrpStateMachine m(c, nullptr);
  CHECK(m.effective_priority() == 120);
  absl::Time now = kT0;
  MakeMaster(m, now);
  m.SetTracked(now, "if:eth1", false);
  CHECK(m.effective_priority() == 90);
  m.SetTracked(now, "script:chk", false);
  CHECK(m.effective_priority() == 70);
  CHECK(m.state() == State::kMaster);
  now = *m.NextDeadline();
  CHECK(Find(m.OnTimer(now), Kind::kSendAdvert)->priority == 70);

  Actions f = m.SetTracked(now, "if:ens161", false);
  CHECK(m.state() == State::kFault);
  CHECK(f[0] == Action{.kind = Kind::kSendAdvert, .priority = 0});
  CHECK(Has(f, Kind::kRemoveVips));
  CHECK(!m.NextDeadline());
  CHECK(m.OnAdvert(now, kLowerAddr, 50, 100).empty());

  m.SetTracked(now, "if:ens161", true);
  CHECK(m.state() == State::kBackup);
  CHECK(m.NextDeadline() == now + m.master_down_interval());
  CHECK(m.SetTracked(now, "no-such-item", false).empty());
}

// keepalived's multiplier -1 (vrrp_track.c): the adjustment is subtracted, and a
// weight-0 item puts the instance in FAULT while it is up.
TEST_CASE("reverse tracking: weights subtract, weight 0 means FAULT while up") {
  absl::Time now = kT0;
  VrrpConfig c = Seed(100);
  c.tracked = {{"script:plus", 20, true}, {"script:minus", -30, true}};
  VrrpStateMachine m(c, nullptr);
  m.Start(now);
  CHECK(m.effective_priority() == 80);  // both up: plus contributes -20, minus nothing
  m.SetTracked(now, "script:minus", false);
  CHECK(m.effective_priority() == 110);  // minus down: +30
  m.SetTracked(now, "script:plus", false);
  CHECK(m.effective_priority() == 130);

  VrrpConfig f = Seed(100);
  f.tracked = {{"script:maint", 0, true}};
  VrrpStateMachine fault(f, nullptr);
  fault.Start(now);
  CHECK(fault.state() == State::kFault);  // the script succeeds: FAULT
  fault.SetTracked(now, "script:maint", false);
  CHECK(fault.state() == State::kBackup);
}

TEST_CASE("a tracked script with no result yet: no weight, and weight 0 holds the start silently") {
  absl::Time now = kT0;
  VrrpConfig c = Seed(100);
  using I = TrackedItem::Initially;
  c.tracked = {{"script:gate", 0, true, I::kUnknown}, {"script:plus", 20, false, I::kUnknown}};
  VrrpStateMachine m(c, nullptr);
  const Actions at_start = m.Start(now);
  CHECK(at_start.empty());  // keepalived's silent init: no notify, no advert
  CHECK(m.state() == State::kInit);
  CHECK(m.effective_priority() == 100);                   // plus has not reported: no weight
  CHECK(m.SetTracked(now, "script:plus", true).empty());  // gate still unknown
  CHECK(m.effective_priority() == 120);
  const Actions started = m.SetTracked(now, "script:gate", false);  // reversed: fine
  CHECK(m.state() == State::kBackup);
  REQUIRE(Find(started, Kind::kNotify) != nullptr);
  CHECK(Find(started, Kind::kNotify)->state == State::kBackup);

  SECTION("a first result that fails goes straight to FAULT, without a BACKUP first") {
    VrrpStateMachine f(c, nullptr);
    f.Start(now);
    const Actions a = f.SetTracked(now, "script:gate", true);  // reversed: a failure
    CHECK(f.state() == State::kFault);
    CHECK(std::count_if(a.begin(), a.end(),
                        [](const Action& x) { return x.kind == Kind::kNotify; }) == 1);
  }
  SECTION("init_fail: FAULT from the start, unannounced; its first success announces BACKUP") {
    VrrpConfig g = Seed(100);
    g.tracked = {{"script:chk", 0, false, I::kFailed}};
    VrrpStateMachine f(g, nullptr);
    CHECK(Find(f.Start(now), Kind::kNotify) == nullptr);
    CHECK(f.state() == State::kFault);
    const Actions up = f.SetTracked(now, "script:chk", true);
    CHECK(f.state() == State::kBackup);
    CHECK(Find(up, Kind::kNotify) != nullptr);
  }
  SECTION("stopped while waiting, it does not start on a late result") {
    VrrpStateMachine f(c, nullptr);
    f.Start(now);
    f.Stop(now, "shutdown");
    f.SetTracked(now, "script:gate", false);
    CHECK(f.state() == State::kStopped);
  }
}

TEST_CASE("track_file: keepalived's reading of the number, and the offset it adds") {
  CHECK(TrackedFileOffset(0, 0, false) == 0);
  CHECK_FALSE(TrackedFileOffset(1, 0, false));  // weight 0: non-zero is FAULT
  CHECK_FALSE(TrackedFileOffset(0, 0, true));   // reversed: zero is FAULT
  CHECK(TrackedFileOffset(3, -10, false) == -30);
  CHECK(TrackedFileOffset(3, -10, true) == 30);
  CHECK(TrackedFileOffset(1000, 1, false) == 253);
  CHECK_FALSE(TrackedFileOffset(-1000, 1, false));  // clamped to -254: FAULT

  absl::Time now = kT0;
  VrrpConfig c = Seed(100);
  c.tracked = {{"file:maint", 0, false}};
  VrrpStateMachine m(c, nullptr);
  m.SetTrackedOffset(now, "file:maint", -30);
  m.Start(now);
  CHECK(m.state() == State::kBackup);
  CHECK(m.effective_priority() == 70);
  m.SetTrackedOffset(now, "file:maint", std::nullopt);
  CHECK(m.state() == State::kFault);
  m.SetTrackedOffset(now, "file:maint", 0);
  CHECK(m.state() == State::kBackup);
  CHECK(m.effective_priority() == 100);
}

TEST_CASE("priority is clamped to 1..254 and the owner keeps 255") {
  VrrpConfig c = Seed(250);
  c.tracked = {{"a", 50}};
  CHECK(VrrpStateMachine(c, nullptr).effective_priority() == 254);
  c.priority = 10;
  c.tracked = {{"a", -50}};
  VrrpStateMachine low(c, nullptr);
  low.SetTracked(kT0, "a", false);
  CHECK(low.effective_priority() == 1);
  c.priority = 255;
  VrrpStateMachine owner(c, nullptr);
  owner.SetTracked(kT0, "a", false);
  CHECK(owner.effective_priority() == 255);
}

TEST_CASE("one transition function: observers see every from -> to, counted") {
  VrrpStateMachine m(Seed(100), nullptr);
  std::vector<std::pair<State, State>> seen;
  std::vector<std::string> reasons;
  m.AddObserver([&](const VrrpStateMachine&, const Transition& t) {
    seen.emplace_back(t.from, t.to);
    reasons.push_back(t.reason);
  });
  absl::Time now = kT0;
  MakeMaster(m, now);
  m.Stop(now, "admin down");
  const std::vector<std::pair<State, State>> want = {{State::kInit, State::kBackup},
                                                     {State::kBackup, State::kMaster},
                                                     {State::kMaster, State::kStopped}};
  CHECK(seen == want);
  CHECK(m.transitions() == 3);
  CHECK(reasons.back() == "admin down");
  CHECK(m.last_reason() == "admin down");
  CHECK(m.since() == now);
}

TEST_CASE("GARP refresh repeats while master") {
  VrrpConfig c = Seed(255);
  c.garp_master_delay = absl::ZeroDuration();
  c.garp_master_refresh = absl::Seconds(60);
  c.garp_master_refresh_repeat = 2;
  VrrpStateMachine m(c, nullptr);
  m.Start(kT0);
  int refreshes = 0;
  absl::Time now = kT0;
  while (now < kT0 + absl::Seconds(125)) {
    now = *m.NextDeadline();
    if (const Action* g = Find(m.OnTimer(now), Kind::kSendGarp)) {
      CHECK(g->count == 2);
      ++refreshes;
    }
  }
  CHECK(refreshes == 2);
}

TEST_CASE("sync group members follow each other") {
  VrrpConfig c1 = Seed(100), c2 = Seed(100);
  c2.name = "VI_2";
  c2.vrid = 52;
  VrrpStateMachine a(c1, nullptr), b(c2, nullptr);
  VrrpSyncGroup g("G", {&a, &b});
  a.Start(kT0);
  b.Start(kT0);
  absl::Time now = *a.NextDeadline();
  a.OnTimer(now);
  auto follow = g.Follow(now, a, State::kMaster);
  REQUIRE(follow.size() == 1);
  CHECK(follow[0].first == &b);
  CHECK(b.state() == State::kMaster);
  CHECK(Has(follow[0].second, Kind::kAddVips));

  b.OnAdvert(now, kHigherAddr, 200, 100);
  CHECK(b.state() == State::kBackup);
  g.Follow(now, b, State::kBackup);
  CHECK(a.state() == State::kBackup);
  CHECK(g.Follow(now, b, State::kStopped).empty());
}

TEST_CASE("sync group: a member's FAULT takes the others along, and back") {
  VrrpConfig c1 = Seed(100), c2 = Seed(100);
  c2.name = "VI_2";
  c2.vrid = 52;
  c2.tracked = {{"if:uplink0", 0}};
  VrrpStateMachine a(c1, nullptr), b(c2, nullptr);
  VrrpSyncGroup g("G", {&a, &b});
  absl::Time now = kT0;
  b.Start(now);
  MakeMaster(a, now);
  g.Follow(now, a, State::kMaster);
  REQUIRE(b.state() == State::kMaster);

  b.SetTracked(now, "if:uplink0", false);
  REQUIRE(b.state() == State::kFault);
  auto follow = g.Follow(now, b, State::kFault);
  CHECK(a.state() == State::kFault);
  REQUIRE(follow.size() == 1);
  CHECK(Find(follow[0].second, Kind::kSendAdvert)->priority == 0);
  CHECK(Has(follow[0].second, Kind::kRemoveVips));

  // A member whose own item is down does not leave FAULT with the group.
  CHECK(b.ForceState(now, State::kBackup, "test").empty());
  CHECK(b.state() == State::kFault);

  b.SetTracked(now, "if:uplink0", true);
  REQUIRE(b.state() == State::kBackup);
  g.Follow(now, b, State::kBackup);
  CHECK(a.state() == State::kBackup);
  CHECK(a.NextDeadline() == now + a.master_down_interval());
}

}  // namespace
}  // namespace lvs::vrrp
