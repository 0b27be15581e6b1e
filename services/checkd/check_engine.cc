#include "services/checkd/check_engine.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <unordered_set>

#include "absl/strings/str_cat.h"

namespace lvs::checkd {
namespace {

int64_t UnixMillis(absl::Time t) { return absl::ToUnixMillis(t); }

v1::CheckResult ToProto(const CheckOutcome& o, absl::Time wall) {
  v1::CheckResult r;
  r.set_ok(o.ok);
  r.set_reason(o.reason);
  r.set_latency_us(static_cast<uint32_t>(absl::ToInt64Microseconds(o.latency)));
  r.set_at_unix_ms(UnixMillis(wall));
  r.set_weight(o.weight);
  return r;
}

}  // namespace

void LatenessWindow::Add(absl::Duration lateness) {
  auto us = static_cast<uint32_t>(
      std::clamp<int64_t>(absl::ToInt64Microseconds(lateness), 0, UINT32_MAX));
  if (samples_.size() < capacity_) {
    samples_.push_back(us);
  } else {
    samples_[next_] = us;
    next_ = (next_ + 1) % capacity_;
  }
  ++total_;
}

void LatenessWindow::Fill(v1::CheckerStats* out) const {
  out->set_lateness_samples(total_);
  if (samples_.empty()) return;
  std::vector<uint32_t> v = samples_;
  auto at = [&](double q) {
    auto k = static_cast<size_t>(q * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(k), v.end());
    return v[k];
  };
  out->set_lateness_p50_us(at(0.50));
  out->set_lateness_p99_us(at(0.99));
  out->set_lateness_max_us(*std::max_element(v.begin(), v.end()));
}

CheckEngine::CheckEngine(event::EventLoop* loop, CheckerFactory* factory, Listener on_change,
                         uint64_t seed, size_t max_in_flight, event::WallClock wall_clock)
    : loop_(loop),
      factory_(factory),
      on_change_(std::move(on_change)),
      wall_clock_(std::move(wall_clock)),
      rng_(seed),
      max_in_flight_(std::max<size_t>(max_in_flight, 1)) {}

CheckEngine::~CheckEngine() {
  for (auto& [id, t] : targets_) Stop(t.get());
  for (auto& p : probes_) p.reset();
}

absl::StatusOr<std::unique_ptr<CheckEngine::Target>> CheckEngine::Build(
    TargetSpec spec, std::optional<bool> initially_up) {
  TargetHealth health(spec, initially_up, first_set_);
  auto t = std::make_unique<Target>(Target{std::move(spec), std::move(health), {}});
  t->since = wall_clock_();
  for (size_t i = 0; i < t->spec.checkers.size(); ++i) {
    auto c = Join(t.get(), i);
    if (!c.ok()) {
      Stop(t.get());
      return absl::InvalidArgumentError(
          absl::StrCat(t->spec.id, ": checker ", i, ": ", c.status().message()));
    }
    t->checks.push_back(*c);
  }
  return t;
}

absl::StatusOr<CheckEngine::SharedCheck*> CheckEngine::Join(Target* t, size_t i) {
  // What makes two checks the same: everything the CheckerSpec is made from.
  v1::CheckTarget identity;
  identity.set_address(t->spec.address);
  identity.set_port(t->spec.port);
  identity.set_delay_loop_ms(t->spec.source.delay_loop_ms());
  identity.set_alpha(t->spec.source.alpha());
  v1::Checker* checker = identity.add_checkers();
  *checker = t->spec.source.checkers(static_cast<int>(i));
  checker->clear_location();
  std::string key;
  {
    google::protobuf::io::StringOutputStream out(&key);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    identity.SerializeToCodedStream(&coded);
  }
  auto it = checks_.find(key);
  if (it != checks_.end()) {
    SharedCheck* c = it->second.get();
    // The probe's state is the newest truth: the joining target takes it.
    t->health.Adopt(i, c->state);
    c->users.emplace_back(t, i);
    return c;
  }
  auto checker_impl = factory_->Create(t->spec.checkers[i]);
  if (!checker_impl.ok()) return checker_impl.status();
  auto c = std::make_unique<SharedCheck>(
      SharedCheck{key, *std::move(checker_impl), t->health.checker(i), {}});
  SharedCheck* raw = c.get();
  raw->users.emplace_back(t, i);
  raw->checker->SetWake([this, raw] { Wake(raw); });
  checks_[key] = std::move(c);
  double r = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  Schedule(raw, FirstRunDelay(t->spec.checkers[i].warmup, r));
  return raw;
}

absl::StatusOr<v1::SetTargetsResponse> CheckEngine::SetTargets(
    const v1::SetTargetsRequest& request) {
  std::unordered_set<std::string> ids;
  for (const v1::CheckTarget& t : request.targets()) {
    if (!t.id().empty() && !ids.insert(t.id()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("target id \"", t.id(), "\" appears more than once; nothing applied"));
    }
  }
  v1::SetTargetsResponse resp;
  TargetMap next;
  for (const v1::CheckTarget& in : request.targets()) Apply(in, next, resp);
  // What is left was not in the request.
  for (auto& [id, t] : targets_) {
    Stop(t.get());
    v1::HealthEvent e = EventFor(*t, false);
    e.set_removed(true);
    e.set_at_unix_ms(UnixMillis(wall_clock_()));
    on_change_(e);
    resp.set_removed(resp.removed() + 1);
  }
  targets_ = std::move(next);
  first_set_ = false;
  return resp;
}

void CheckEngine::Apply(const v1::CheckTarget& in, TargetMap& next, v1::SetTargetsResponse& resp) {
  auto old = targets_.extract(in.id());
  if (!old.empty() &&
      google::protobuf::util::MessageDifferencer::Equals(old.mapped()->spec.source, in)) {
    next.insert(std::move(old));
    resp.set_unchanged(resp.unchanged() + 1);
    return;
  }
  absl::StatusOr<std::unique_ptr<Target>> built = [&]() -> absl::StatusOr<std::unique_ptr<Target>> {
    auto spec = TargetSpec::FromProto(in);
    if (!spec.ok()) return spec.status();
    return Build(*std::move(spec),
                 old.empty() ? std::nullopt : std::optional<bool>(old.mapped()->health.up()));
  }();
  if (!built.ok()) {
    v1::TargetError* e = resp.add_rejected();
    e->set_id(in.id());
    e->set_message(std::string(built.status().message()));
    if (!old.empty())
      next.insert(std::move(old));  // fail static: the last good version keeps running
    return;
  }
  Target* t = built->get();
  if (old.empty()) {
    resp.set_added(resp.added() + 1);
    on_change_(EventFor(*t, false));
  } else {
    t->since = old.mapped()->since;
    Stop(old.mapped().get());
    resp.set_changed(resp.changed() + 1);
  }
  next[in.id()] = *std::move(built);
}

void CheckEngine::Schedule(SharedCheck* c, absl::Duration after) {
  // Start times are rounded to the nearest 2 ms tick, so checks due within the
  // same tick share one wakeup of the loop: at tens of thousands of checks a
  // second that halves the context switches. Nearest, not up: a check started on
  // a tick finishes just past it, and rounding up would add a tick every round.
  // Lateness is measured from the unrounded time.
  constexpr absl::Duration kTick = absl::Milliseconds(2);
  absl::Time now = loop_->Now();
  absl::Time due = now + after;
  absl::Time tick = absl::UnixEpoch() + absl::Floor(due - absl::UnixEpoch() + kTick / 2, kTick);
  c->due = due;
  c->timer = loop_->AddTimer(tick - now, [this, c] {
    c->timer = 0;
    RunOrQueue(c);
  });
}

void CheckEngine::Wake(SharedCheck* c) {
  // Running or queued: that run will see the change.
  if (c->in_flight || c->timer == 0) return;
  loop_->CancelTimer(c->timer);
  c->timer = 0;
  c->due = loop_->Now();
  RunOrQueue(c);
}

void CheckEngine::RunOrQueue(SharedCheck* c) {
  if (in_flight_ >= max_in_flight_) {
    c->queued = true;
    queue_.push_back(c);
    return;
  }
  Run(c);
}

void CheckEngine::Run(SharedCheck* c) {
  lateness_.Add(loop_->Now() - c->due);
  c->in_flight = true;
  c->started = loop_->Now();
  ++in_flight_;
  c->checker->Start([this, c](CheckOutcome o) { OnResult(c, std::move(o)); });
}

void CheckEngine::OnResult(SharedCheck* c, CheckOutcome outcome) {
  c->in_flight = false;
  --in_flight_;
  ++runs_;
  outcome.latency = loop_->Now() - c->started;
  const absl::Time now = wall_clock_();
  CheckerState::Step step = c->state.Record(outcome, now);
  Schedule(c, step.next_run_in);
  // Fanned out: each user judges its own health from its checkers.
  for (auto [t, i] : c->users) {
    if (t->health.Adopt(i, c->state, &outcome)) {
      t->since = now;
      on_change_(EventFor(*t, false));
    }
    if (t->recheck) AnswerRecheck(t, i, outcome.ok);
  }
  StartQueued();
}

void CheckEngine::StartQueued() {
  // A checker may finish inside Start (and land back here): the outer call keeps
  // draining, so the stack stays flat however long the queue is.
  if (draining_) return;
  draining_ = true;
  while (!queue_.empty() && in_flight_ < max_in_flight_) {
    SharedCheck* c = queue_.front();
    queue_.pop_front();
    c->queued = false;
    Run(c);
  }
  draining_ = false;
}

void CheckEngine::Stop(Target* t) {
  for (SharedCheck* c : t->checks) {
    std::erase_if(c->users, [t](const auto& u) { return u.first == t; });
    if (!c->users.empty()) continue;
    if (c->queued) std::erase(queue_, c);
    if (c->timer != 0) loop_->CancelTimer(c->timer);
    if (c->in_flight) {
      c->checker->Cancel();
      --in_flight_;
    }
    checks_.erase(c->key);
  }
  t->checks.clear();
}

v1::HealthEvent CheckEngine::EventFor(const Target& t, bool snapshot) const {
  v1::HealthEvent e;
  e.set_snapshot(snapshot);
  e.set_id(t.spec.id);
  e.set_up(t.health.up());
  e.set_reason(t.health.reason());
  e.set_weight(t.health.weight());
  e.set_checked(t.health.checked());
  e.set_at_unix_ms(UnixMillis(t.since));
  return e;
}

std::vector<v1::HealthEvent> CheckEngine::Snapshot() const {
  std::vector<v1::HealthEvent> out;
  out.reserve(targets_.size());
  for (const auto& [id, t] : targets_) out.push_back(EventFor(*t, true));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id() < b.id(); });
  return out;
}

v1::ListChecksResponse CheckEngine::ListChecks() const {
  v1::ListChecksResponse resp;
  std::vector<const Target*> sorted;
  for (const auto& [id, t] : targets_) sorted.push_back(t.get());
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->spec.id < b->spec.id; });
  for (const Target* t : sorted) {
    for (size_t i = 0; i < t->checks.size(); ++i) {
      const CheckerState& c = t->health.checker(i);
      v1::CheckStatus* s = resp.add_checks();
      s->set_target_id(t->spec.id);
      s->set_checker_index(static_cast<uint32_t>(i));
      s->set_kind(CheckKindName(t->spec.checkers[i].kind));
      s->set_up(c.up());
      if (c.last()) *s->mutable_last() = ToProto(*c.last(), c.last_at());
      s->set_consecutive_failures(c.consecutive_failures());
      s->set_runs(c.runs());
    }
  }
  return resp;
}

v1::CheckerStats CheckEngine::Stats(bool reset) {
  v1::CheckerStats s;
  s.set_targets(static_cast<uint32_t>(targets_.size()));
  uint32_t checkers = 0;
  for (const auto& [id, t] : targets_) checkers += static_cast<uint32_t>(t->checks.size());
  s.set_checkers(checkers);
  s.set_probes(static_cast<uint32_t>(checks_.size()));
  s.set_runs(runs_);
  s.set_in_flight(in_flight_);
  lateness_.Fill(&s);
  if (reset) lateness_.Reset();
  return s;
}

// One ProbeOnce: fresh checkers, results gathered in order, `done` when all are in.
struct CheckEngine::Probe {
  std::vector<std::unique_ptr<Checker>> checkers;
  std::vector<v1::CheckResult> results;
  std::vector<absl::Time> started;
  size_t pending = 0;
  std::function<void(v1::ProbeOnceResponse)> done;
};

absl::Status CheckEngine::CheckNow(const std::string& id) {
  auto it = targets_.find(id);
  if (it == targets_.end()) return absl::NotFoundError(absl::StrCat("no target \"", id, "\""));
  Target* t = it->second.get();
  if (t->checks.empty()) {
    // No checkers: always up, so decided at once.
    v1::HealthEvent e = EventFor(*t, false);
    e.set_recheck(true);
    on_change_(e);
    return absl::OkStatus();
  }
  if (!t->recheck) t->recheck.emplace(t->checks.size(), false);
  for (SharedCheck* c : t->checks) Wake(c);
  return absl::OkStatus();
}

void CheckEngine::AnswerRecheck(Target* t, size_t checker, bool ok) {
  std::vector<bool>& passed = *t->recheck;
  if (ok && checker < passed.size()) passed[checker] = true;
  const bool all = std::all_of(passed.begin(), passed.end(), [](bool b) { return b; });
  if (t->health.up() && !all) return;  // undecided: the next runs will tell
  t->recheck.reset();
  v1::HealthEvent e = EventFor(*t, false);
  e.set_recheck(true);
  on_change_(e);
}

absl::Status CheckEngine::ProbeOnce(const std::string& id,
                                    std::function<void(v1::ProbeOnceResponse)> done) {
  auto it = targets_.find(id);
  if (it == targets_.end()) return absl::NotFoundError(absl::StrCat("no target \"", id, "\""));
  return ProbeOnce(it->second->spec, std::move(done));
}

absl::Status CheckEngine::ProbeOnce(const TargetSpec& spec,
                                    std::function<void(v1::ProbeOnceResponse)> done) {
  auto probe = std::make_shared<Probe>();
  for (const CheckerSpec& cs : spec.checkers) {
    auto c = factory_->Create(cs);
    if (!c.ok()) return c.status();
    probe->checkers.push_back(*std::move(c));
  }
  probe->results.resize(probe->checkers.size());
  probe->started.assign(probe->checkers.size(), loop_->Now());
  probe->pending = probe->checkers.size();
  probe->done = std::move(done);
  probes_.push_back(probe);
  auto finish = [this](Probe* p) {
    v1::ProbeOnceResponse resp;
    for (auto& r : p->results) *resp.add_results() = r;
    auto cb = std::move(p->done);
    // Destroying the checkers here would free the one whose callback is running.
    loop_->Post([this, p] { std::erase_if(probes_, [p](auto& q) { return q.get() == p; }); });
    cb(std::move(resp));
  };
  if (probe->pending == 0) {
    finish(probe.get());
    return absl::OkStatus();
  }
  for (size_t i = 0; i < probe->checkers.size(); ++i) {
    Probe* p = probe.get();
    p->checkers[i]->Start([this, p, i, finish](CheckOutcome o) {
      o.latency = loop_->Now() - p->started[i];
      p->results[i] = ToProto(o, wall_clock_());
      if (--p->pending == 0) finish(p);
    });
  }
  return absl::OkStatus();
}

}  // namespace lvs::checkd
