// Runs every target's checkers on one event loop: schedules each checker by its
// CheckerState (delay_loop, retries), feeds results into TargetHealth, and reports
// each change of a target's health. Everything here runs on the loop thread.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "lib/event/clock.h"
#include "lib/event/event_loop.h"
#include "lvs/v1/check.pb.h"
#include "services/checkd/checker.h"
#include "services/checkd/target_health.h"
#include "services/checkd/target_spec.h"

namespace lvs::checkd {

// The last N scheduling latenesses, for percentiles.
class LatenessWindow {
 public:
  explicit LatenessWindow(size_t capacity = 1 << 18) : capacity_(capacity) {}
  void Add(absl::Duration lateness);
  void Fill(v1::CheckerStats* out) const;
  void Reset() { samples_.clear(), next_ = 0, total_ = 0; }

 private:
  size_t capacity_;
  std::vector<uint32_t> samples_;  // microseconds
  size_t next_ = 0;
  uint64_t total_ = 0;
};

class CheckEngine {
 public:
  using Listener = std::function<void(const v1::HealthEvent&)>;
  // At most `max_in_flight` probes run at once; the rest wait their turn in
  // order, so an overloaded checkd slows its rounds down instead of running out
  // of file descriptors (which would also cut off its own gRPC server).
  // `wall_clock` stamps events and results, and dates a target's last change.
  CheckEngine(event::EventLoop* loop, CheckerFactory* factory, Listener on_change,
              uint64_t seed = std::random_device{}(), size_t max_in_flight = 4096,
              event::WallClock wall_clock = event::SystemWallClock);
  ~CheckEngine();
  CheckEngine(const CheckEngine&) = delete;
  CheckEngine& operator=(const CheckEngine&) = delete;

  // The full set. Unchanged targets keep state and schedule; changed ones restart
  // their checkers from the health they had; invalid ones are reported in
  // `rejected` and, if a valid version was running, that one keeps running.
  // INVALID_ARGUMENT (nothing applied) only for a malformed request: duplicate ids.
  absl::StatusOr<v1::SetTargetsResponse> SetTargets(const v1::SetTargetsRequest& request);

  // Every target's current health, as snapshot events.
  std::vector<v1::HealthEvent> Snapshot() const;
  v1::ListChecksResponse ListChecks() const;
  v1::CheckerStats Stats(bool reset);
  // Runs the target's checkers once, now, with fresh checkers, without touching
  // its state or schedule. NOT_FOUND for an unknown id.
  absl::Status ProbeOnce(const std::string& id, std::function<void(v1::ProbeOnceResponse)> done);
  // The same for a target outside the set.
  absl::Status ProbeOnce(const TargetSpec& spec, std::function<void(v1::ProbeOnceResponse)> done);
  // Runs the target's own checkers now, as if their timers had fired (the results
  // count); once every checker has passed a run since, or the target is down, its
  // event goes out with `recheck` set. A second call while one waits runs them again
  // and keeps the one answer. NOT_FOUND for an unknown id.
  absl::Status CheckNow(const std::string& id);

 private:
  struct Target;
  // One probe of one (address, port, checker with its options), shared by every
  // target that names the same: real configs repeat a real server under many
  // virtual servers (a port each, IPv4 and fwmark twins), and it is probed once
  // per interval, its verdict fanned out. The checker's state lives here; each
  // user target keeps a copy to judge its own health from all its checkers.
  struct SharedCheck {
    std::string key;
    std::unique_ptr<Checker> checker;
    CheckerState state;
    std::vector<std::pair<Target*, size_t>> users;  // (target, its checker index)
    event::EventLoop::TimerId timer = 0;
    absl::Time due =
        absl::InfinitePast();  // when the next run should start, before rounding to a tick
    bool in_flight = false;
    bool queued = false;
    absl::Time started = absl::InfinitePast();
  };
  struct Target {
    TargetSpec spec;
    TargetHealth health;
    std::vector<SharedCheck*> checks;  // one per checker of the spec
    // A CheckNow waits: which checkers have passed a run since it was asked.
    std::optional<std::vector<bool>> recheck;
    absl::Time since;  // wall time of the last change (or of adding it)
  };
  struct Probe;
  using TargetMap = std::unordered_map<std::string, std::unique_ptr<Target>>;

  absl::StatusOr<std::unique_ptr<Target>> Build(TargetSpec spec, std::optional<bool> initially_up);
  // One target of a SetTargets: moves it (kept, rebuilt or new) from targets_ to `next`.
  void Apply(const v1::CheckTarget& in, TargetMap& next, v1::SetTargetsResponse& resp);
  // The shared check for checker i of `t`: joined if one runs (t takes its state),
  // else made from t's state (and scheduled after its warmup). `t` becomes a user.
  absl::StatusOr<SharedCheck*> Join(Target* t, size_t i);
  void Schedule(SharedCheck* c, absl::Duration after);
  void Run(SharedCheck* c);
  // Runs it now, or queues it behind the others when max_in_flight probes run.
  void RunOrQueue(SharedCheck* c);
  // The checker asked to run now (its subject changed).
  void Wake(SharedCheck* c);
  void OnResult(SharedCheck* c, CheckOutcome outcome);
  // A result reached a target that waits on a CheckNow: answer it if decided.
  void AnswerRecheck(Target* t, size_t checker, bool ok);
  void StartQueued();
  // Leaves the target's shared checks; a check without users stops and goes.
  void Stop(Target* t);
  v1::HealthEvent EventFor(const Target& t, bool snapshot) const;

  event::EventLoop* loop_;
  CheckerFactory* factory_;
  Listener on_change_;
  const event::WallClock wall_clock_;
  std::mt19937_64 rng_;
  TargetMap targets_;
  std::vector<std::shared_ptr<Probe>> probes_;
  const size_t max_in_flight_;
  std::unordered_map<std::string, std::unique_ptr<SharedCheck>> checks_;  // by key
  std::deque<SharedCheck*> queue_;
  bool draining_ = false;
  // The next SetTargets is the first since start (keepalived's start, not a reload).
  bool first_set_ = true;
  uint64_t runs_ = 0;
  uint32_t in_flight_ = 0;
  LatenessWindow lateness_;
};

}  // namespace lvs::checkd
