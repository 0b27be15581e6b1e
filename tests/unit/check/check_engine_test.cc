// CheckEngine on a real event loop with fake checkers: SetTargets semantics,
// scheduling by keepalived's rules, and the events watchers see.
#include "services/checkd/check_engine.h"

#include <catch2/catch.hpp>
#include <deque>
#include <map>

namespace lvs::checkd {
namespace {

// Results per connect_port, consumed in order; when a script runs out, the
// last result repeats. Each run records the loop time it started at.
struct Script {
  std::deque<bool> results;
  bool last = true;
  std::vector<absl::Time> starts;
  absl::Duration takes = absl::ZeroDuration();  // zero: done inside Start
};

class FakeChecker final : public Checker {
 public:
  FakeChecker(event::EventLoop* loop, Script* script) : loop_(loop), script_(script) {}
  void Start(Done done) override {
    script_->starts.push_back(loop_->Now());
    if (!script_->results.empty()) {
      script_->last = script_->results.front();
      script_->results.pop_front();
    }
    CheckOutcome o =
        script_->last ? CheckOutcome::Up("fake ok") : CheckOutcome::Down("fake failure");
    if (script_->takes == absl::ZeroDuration()) return done(o);
    ++running;
    max_running = std::max(max_running, running);
    timer_ = loop_->AddTimer(script_->takes, [this, o, done = std::move(done)] {
      timer_ = 0;
      --running;
      done(o);
    });
  }
  void Cancel() override {
    if (timer_ != 0) {
      loop_->CancelTimer(timer_);
      --running;
    }
    timer_ = 0;
  }
  static inline int running = 0;
  static inline int max_running = 0;

 private:
  event::EventLoop* loop_;
  Script* script_;
  event::EventLoop::TimerId timer_ = 0;
};

class FakeFactory final : public CheckerFactory {
 public:
  explicit FakeFactory(event::EventLoop* loop) : loop_(loop) {}
  absl::StatusOr<std::unique_ptr<Checker>> Create(const CheckerSpec& spec) override {
    if (spec.connect_port == 666) return absl::InvalidArgumentError("refused by the factory");
    return std::make_unique<FakeChecker>(loop_, &scripts[spec.connect_port]);
  }
  std::map<uint16_t, Script> scripts;

 private:
  event::EventLoop* loop_;
};

struct Fixture {
  explicit Fixture(size_t max_in_flight = 4096)
      : engine(
            loop.get(), &factory, [this](const v1::HealthEvent& e) { events.push_back(e); }, 42,
            max_in_flight) {
    FakeChecker::running = 0;
    FakeChecker::max_running = 0;
  }
  std::unique_ptr<event::EventLoop> loop = *event::EventLoop::Create();
  FakeFactory factory{loop.get()};
  std::vector<v1::HealthEvent> events;
  CheckEngine engine;

  // Runs the loop until pred() holds; fails the test after `limit`.
  void RunUntil(const std::function<bool()>& pred, absl::Duration limit = absl::Seconds(5)) {
    absl::Time deadline = loop->Now() + limit;
    bool timed_out = false;
    std::function<void()> poll = [&] {
      if (pred()) return loop->Stop();
      if (loop->Now() > deadline) {
        timed_out = true;
        return loop->Stop();
      }
      loop->AddTimer(absl::Milliseconds(1), poll);
    };
    loop->AddTimer(absl::ZeroDuration(), poll);
    loop->Run();
    REQUIRE_FALSE(timed_out);
  }

  std::vector<v1::HealthEvent> ChangesFor(const std::string& id) const {
    std::vector<v1::HealthEvent> out;
    for (const auto& e : events) {
      if (e.id() == id) out.push_back(e);
    }
    return out;
  }
};

v1::CheckTarget Target(const std::string& id, uint32_t port, uint32_t retry = 0,
                       uint32_t delay_before_retry_ms = 20) {
  v1::CheckTarget t;
  t.set_id(id);
  t.set_address("192.0.2.1");
  t.set_port(port);
  t.set_delay_loop_ms(100);
  auto* c = t.add_checkers();
  c->mutable_tcp();
  c->set_retry(retry);
  c->set_retry_set(true);
  c->set_delay_before_retry_ms(delay_before_retry_ms);
  c->set_warmup_ms(1);
  return t;
}

v1::SetTargetsRequest Request(std::initializer_list<v1::CheckTarget> targets) {
  v1::SetTargetsRequest r;
  for (const auto& t : targets) *r.add_targets() = t;
  return r;
}

TEST_CASE("a new target is announced, then its checks run and changes are published") {
  Fixture f;
  f.factory.scripts[80].results = {false, true};
  auto resp = f.engine.SetTargets(Request({Target("a", 80)}));
  REQUIRE(resp.ok());
  CHECK(resp->added() == 1);
  REQUIRE(f.events.size() == 1);
  CHECK(f.events[0].up());  // not alpha: starts up
  CHECK(f.events[0].reason() == "not checked yet");
  f.RunUntil([&] { return f.ChangesFor("a").size() >= 3; });
  auto changes = f.ChangesFor("a");
  CHECK_FALSE(changes[1].up());
  CHECK(changes[1].reason() == "fake failure");
  CHECK(changes[2].up());
  CHECK(changes[2].reason() == "fake ok");
}

TEST_CASE("retries are spaced by delay_before_retry, rounds by delay_loop") {
  Fixture f;
  f.factory.scripts[80].results = {false, false, false};
  // delay_loop far from delay_before_retry, so a loaded machine cannot blur them.
  v1::CheckTarget t = Target("r", 80, 2, 30);
  t.set_delay_loop_ms(1000);
  // Added after the first set (a reload): its retries count from the first failure.
  REQUIRE(f.engine.SetTargets(Request({})).ok());
  REQUIRE(f.engine.SetTargets(Request({t})).ok());
  f.RunUntil([&] { return f.factory.scripts[80].starts.size() >= 4; });
  // Start times are rounded to the nearest 2 ms tick: up to 1 ms early.
  const auto& s = f.factory.scripts[80].starts;
  CHECK(s[1] - s[0] >= absl::Milliseconds(29));
  CHECK(s[2] - s[1] >= absl::Milliseconds(29));
  CHECK(s[2] - s[1] < absl::Milliseconds(500));
  CHECK(s[3] - s[2] >= absl::Milliseconds(999));  // the verdict: next round
  auto changes = f.ChangesFor("r");
  REQUIRE(changes.size() >= 2);
  CHECK_FALSE(changes[1].up());
}

TEST_CASE("targets of the first set go down on their first failure, as keepalived's at start") {
  Fixture f;
  f.factory.scripts[80].results = {false, false, false};
  REQUIRE(f.engine.SetTargets(Request({Target("s", 80, 2, 30)})).ok());
  f.RunUntil([&] { return f.ChangesFor("s").size() >= 2; });
  CHECK(f.factory.scripts[80].starts.size() == 1);
  CHECK_FALSE(f.ChangesFor("s")[1].up());
}

TEST_CASE("the same set again changes nothing; a changed target keeps its health") {
  Fixture f;
  REQUIRE(f.engine.SetTargets(Request({Target("a", 80), Target("b", 81)})).ok());
  f.RunUntil([&] { return f.factory.scripts[80].starts.size() >= 2; });
  size_t events_before = f.events.size();
  auto same = f.engine.SetTargets(Request({Target("a", 80), Target("b", 81)}));
  REQUIRE(same.ok());
  CHECK(same->unchanged() == 2);
  CHECK(same->added() + same->changed() + same->removed() == 0);
  CHECK(f.events.size() == events_before);
  // Schedule carried on: the next run follows the old rhythm, not a new warmup.
  size_t runs = f.factory.scripts[80].starts.size();
  f.RunUntil([&] { return f.factory.scripts[80].starts.size() > runs; });

  v1::CheckTarget changed = Target("a", 80);
  changed.set_alpha(true);  // would start down if it did not inherit
  auto resp = f.engine.SetTargets(Request({changed, Target("b", 81)}));
  REQUIRE(resp.ok());
  CHECK(resp->changed() == 1);
  auto snap = f.engine.Snapshot();
  REQUIRE(snap.size() == 2);
  CHECK(snap[0].id() == "a");
  CHECK(snap[0].up());
  CHECK(snap[0].snapshot());
}

TEST_CASE("rejected targets are reported; a running valid version keeps running") {
  Fixture f;
  REQUIRE(f.engine.SetTargets(Request({Target("a", 80)})).ok());
  v1::CheckTarget broken = Target("a", 80);
  broken.set_address("not-an-address");
  auto resp = f.engine.SetTargets(Request({broken, Target("c", 666), Target("d", 82)}));
  REQUIRE(resp.ok());
  REQUIRE(resp->rejected_size() == 2);
  CHECK(resp->rejected(0).id() == "a");
  CHECK(resp->rejected(1).id() == "c");
  CHECK(resp->rejected(1).message().find("refused by the factory") != std::string::npos);
  CHECK(resp->added() == 1);
  CHECK(resp->removed() == 0);
  auto snap = f.engine.Snapshot();
  REQUIRE(snap.size() == 2);
  CHECK(snap[0].id() == "a");
  CHECK(snap[1].id() == "d");
}

TEST_CASE("duplicate ids: INVALID_ARGUMENT and nothing applied") {
  Fixture f;
  REQUIRE(f.engine.SetTargets(Request({Target("a", 80)})).ok());
  auto resp = f.engine.SetTargets(Request({Target("x", 81), Target("x", 82)}));
  CHECK(resp.status().code() == absl::StatusCode::kInvalidArgument);
  auto snap = f.engine.Snapshot();
  REQUIRE(snap.size() == 1);
  CHECK(snap[0].id() == "a");
}

TEST_CASE("a removed target is announced and stops running") {
  Fixture f;
  REQUIRE(f.engine.SetTargets(Request({Target("a", 80)})).ok());
  f.RunUntil([&] { return !f.factory.scripts[80].starts.empty(); });
  auto resp = f.engine.SetTargets(Request({}));
  REQUIRE(resp.ok());
  CHECK(resp->removed() == 1);
  CHECK(f.events.back().removed());
  size_t runs = f.factory.scripts[80].starts.size();
  REQUIRE(f.engine.SetTargets(Request({Target("z", 81)})).ok());
  f.RunUntil([&] { return f.factory.scripts[81].starts.size() >= 3; });
  CHECK(f.factory.scripts[80].starts.size() == runs);
}

TEST_CASE("ListChecks and stats reflect the runs") {
  Fixture f;
  f.factory.scripts[80].results = {false, true};
  REQUIRE(f.engine.SetTargets(Request({Target("a", 80, 3, 20)})).ok());
  f.RunUntil([&] { return f.factory.scripts[80].starts.size() >= 2; });
  auto list = f.engine.ListChecks();
  REQUIRE(list.checks_size() == 1);
  CHECK(list.checks(0).kind() == "TCP_CHECK");
  CHECK(list.checks(0).runs() >= 2);
  CHECK(list.checks(0).last().ok());
  auto stats = f.engine.Stats(true);
  CHECK(stats.targets() == 1);
  CHECK(stats.runs() >= 2);
  CHECK(stats.lateness_samples() >= 2);
  CHECK(f.engine.Stats(false).lateness_samples() == 0);
}

TEST_CASE("ProbeOnce runs fresh checkers and leaves the state alone") {
  Fixture f;
  v1::CheckTarget slow = Target("a", 80);
  slow.set_delay_loop_ms(60000);  // no scheduled run between the first and the probe
  REQUIRE(f.engine.SetTargets(Request({slow})).ok());
  CHECK(f.engine.ProbeOnce("nope", [](v1::ProbeOnceResponse) {}).code() ==
        absl::StatusCode::kNotFound);
  f.RunUntil([&] { return f.factory.scripts[80].starts.size() == 1; });
  f.factory.scripts[80].results = {false};
  std::optional<v1::ProbeOnceResponse> got;
  REQUIRE(f.engine.ProbeOnce("a", [&](v1::ProbeOnceResponse r) { got = r; }).ok());
  f.RunUntil([&] { return got.has_value(); });
  REQUIRE(got->results_size() == 1);
  CHECK_FALSE(got->results(0).ok());
  CHECK(got->results(0).reason() == "fake failure");
  CHECK(f.engine.Snapshot()[0].up());
}

TEST_CASE("no more than max_in_flight probes at once; the rest wait their turn") {
  Fixture f(2);
  v1::SetTargetsRequest req;
  for (uint32_t port = 80; port < 86; ++port) {
    f.factory.scripts[port].takes = absl::Milliseconds(15);
    *req.add_targets() = Target("t" + std::to_string(port), port);
  }
  REQUIRE(f.engine.SetTargets(req).ok());
  f.RunUntil([&] {
    for (uint32_t port = 80; port < 86; ++port) {
      if (f.factory.scripts[port].starts.size() < 2) return false;
    }
    return true;
  });
  CHECK(FakeChecker::max_running == 2);
  // Removing targets while some wait in the queue leaves nothing dangling.
  REQUIRE(f.engine.SetTargets(Request({Target("t80", 80)})).ok());
  size_t runs = f.factory.scripts[80].starts.size();
  f.RunUntil([&] { return f.factory.scripts[80].starts.size() >= runs + 2; });
  CHECK(FakeChecker::running <= 1);
}

}  // namespace
}  // namespace lvs::checkd

namespace lvs::checkd {
namespace {

TEST_CASE(
    "targets naming the same real server and checker share one probe, and each gets the verdict") {
  Fixture f;
  f.factory.scripts[80].results = {true, false};
  // The same real under three virtual servers (ids differ), and one other checker.
  REQUIRE(f.engine
              .SetTargets(Request({Target("vs1 -> rs", 80), Target("vs2 -> rs", 80),
                                   Target("fwm -> rs", 80), Target("other", 81)}))
              .ok());
  v1::CheckerStats stats = f.engine.Stats(false);
  CHECK(stats.checkers() == 4);
  CHECK(stats.probes() == 2);
  f.RunUntil([&] { return f.factory.scripts[80].starts.size() >= 3; });
  // One probe per interval, not three: the runs of port 80 are 100 ms apart.
  const auto& s = f.factory.scripts[80].starts;
  CHECK(s[1] - s[0] >= absl::Milliseconds(99));
  // The failure reached all three users.
  for (const char* id : {"vs1 -> rs", "vs2 -> rs", "fwm -> rs"}) {
    auto changes = f.ChangesFor(id);
    INFO(id);
    REQUIRE(changes.size() >= 2);
    CHECK_FALSE(changes.back().up());
    CHECK(changes.back().reason() == "fake failure");
  }
  // One user leaving keeps the probe; the last one leaving stops it.
  REQUIRE(f.engine.SetTargets(Request({Target("vs2 -> rs", 80), Target("other", 81)})).ok());
  CHECK(f.engine.Stats(false).probes() == 2);
  REQUIRE(f.engine.SetTargets(Request({Target("other", 81)})).ok());
  CHECK(f.engine.Stats(false).probes() == 1);
}

TEST_CASE("a target joining a running probe takes its state, not a fresh one") {
  Fixture f;
  f.factory.scripts[80].results = {false};
  REQUIRE(f.engine.SetTargets(Request({Target("first", 80)})).ok());
  f.RunUntil([&] { return !f.ChangesFor("first").empty() && !f.ChangesFor("first").back().up(); });
  REQUIRE(f.engine.SetTargets(Request({Target("first", 80), Target("second", 80)})).ok());
  auto second = f.ChangesFor("second");
  REQUIRE(second.size() == 1);  // announced once, already down
  CHECK_FALSE(second[0].up());
  CHECK(second[0].checked());
  CHECK(f.engine.Stats(false).probes() == 1);
}

}  // namespace
}  // namespace lvs::checkd

namespace lvs::checkd {
namespace {

TEST_CASE("CheckNow runs the checks at once and answers with recheck once they decide") {
  Fixture f;
  f.factory.scripts[80].results = {true, true, false, false, false, false};
  v1::CheckTarget t = Target("n", 80, 1, 50);
  t.set_delay_loop_ms(60000);  // the schedule alone would not run it again in this test
  REQUIRE(f.engine.SetTargets(Request({t})).ok());
  f.RunUntil([&] { return f.factory.scripts[80].starts.size() >= 1; });
  CHECK(f.engine.CheckNow("nope").code() == absl::StatusCode::kNotFound);
  auto rechecks = [&] {
    std::vector<v1::HealthEvent> out;
    for (const auto& e : f.ChangesFor("n")) {
      if (e.recheck()) out.push_back(e);
    }
    return out;
  };
  // Passes: answered up.
  REQUIRE(f.engine.CheckNow("n").ok());
  f.RunUntil([&] { return rechecks().size() == 1; }, absl::Seconds(2));
  CHECK(rechecks()[0].up());
  // Fails, then its retry fails: answered down, after retry + 1 failures (not sooner).
  REQUIRE(f.engine.CheckNow("n").ok());
  f.RunUntil([&] { return rechecks().size() == 2; }, absl::Seconds(2));
  CHECK_FALSE(rechecks()[1].up());
  CHECK(f.factory.scripts[80].starts.size() >= 4);
}

}  // namespace
}  // namespace lvs::checkd
