#include "services/vrrpd/vrrp_state_machine.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace lvs::vrrp {

const char* StateName(State s) {
  switch (s) {
    case State::kInit: return "INIT";
    case State::kBackup: return "BACKUP";
    case State::kMaster: return "MASTER";
    case State::kFault: return "FAULT";
    case State::kStopped: return "STOPPED";
  }
  return "?";
}

VrrpStateMachine::VrrpStateMachine(VrrpConfig config, std::shared_ptr<spdlog::logger> logger)
    : config_(std::move(config)),
      log_(logger ? std::move(logger) : spdlog::default_logger()),
      master_adver_int_(config_.advert_int) {
  for (const TrackedItem& t : config_.tracked) {
    using I = TrackedItem::Initially;
    tracked_up_.emplace_back(t.name, t.initially == I::kUnknown
                                         ? std::nullopt
                                         : std::optional<bool>(t.initially == I::kUp));
  }
}

std::optional<bool> VrrpStateMachine::Tracked(std::string_view name) const {
  for (const auto& [n, up] : tracked_up_) {
    if (n == name) return up;
  }
  return true;
}

bool VrrpStateMachine::awaiting_tracked() const {
  return std::any_of(config_.tracked.begin(), config_.tracked.end(), [&](const TrackedItem& t) {
    return t.weight == 0 && !Tracked(t.name).has_value();
  });
}

uint8_t VrrpStateMachine::effective_priority() const {
  // The address owner's priority is fixed, as in keepalived.
  if (config_.priority == kPriorityOwner) return kPriorityOwner;
  int p = config_.priority;
  for (const TrackedItem& t : config_.tracked) {
    if (auto o = offsets_.find(t.name); o != offsets_.end()) p += o->second;
    const std::optional<bool> up = Tracked(t.name);
    if (!up) continue;  // no result yet: no weight either way
    if ((t.weight > 0 && *up) || (t.weight < 0 && !*up)) p += t.reverse ? -t.weight : t.weight;
  }
  return static_cast<uint8_t>(std::clamp(p, 1, 254));
}

bool VrrpStateMachine::fault_tracked() const {
  return std::any_of(config_.tracked.begin(), config_.tracked.end(), [&](const TrackedItem& t) {
    const std::optional<bool> up = Tracked(t.name);
    return t.weight == 0 && up.has_value() && *up == t.reverse;
  });
}

absl::Duration VrrpStateMachine::skew_time() const {
  const int64_t factor = 256 - effective_priority();
  if (config_.version == 3) return master_adver_int_ * factor / 256;
  return absl::Seconds(1) * factor / 256;
}

absl::Duration VrrpStateMachine::master_down_interval() const {
  return static_cast<int64_t>(config_.down_timer_adverts) * master_adver_int_ + skew_time();
}

Actions VrrpStateMachine::Take() {
  Actions out;
  out.swap(pending_);
  return out;
}

void VrrpStateMachine::SendAdvert(uint8_t priority) {
  pending_.push_back({.kind = Action::Kind::kSendAdvert, .priority = priority});
}

void VrrpStateMachine::SendGarp(uint32_t count) {
  if (count > 0) pending_.push_back({.kind = Action::Kind::kSendGarp, .count = count});
}

void VrrpStateMachine::ArmMasterDown(absl::Time now, absl::Duration after) {
  master_down_at_ = now + after;
}

void VrrpStateMachine::EnterMaster(absl::Time now) {
  yielded_ = false;
  lower_master_seen_at_.reset();
  master_down_at_.reset();
  master_address_ = config_.primary_address;
  // The addresses first, then the advert: a peer hearing it (the old master, or a
  // restarted vrrpd holding addresses its killed run left) may drop its copy at
  // once, and there must be no moment when neither holds them.
  pending_.push_back({.kind = Action::Kind::kAddVips});
  SendAdvert(effective_priority());
  SendGarp(config_.garp_master_repeat);
  advert_at_ = now + config_.advert_int;
  if (config_.garp_master_delay > absl::ZeroDuration()) {
    garp_delayed_at_ = now + config_.garp_master_delay;
  }
  if (config_.garp_master_refresh > absl::ZeroDuration()) {
    garp_refresh_at_ = now + config_.garp_master_refresh;
  }
}

void VrrpStateMachine::LeaveMaster(bool send_priority_zero) {
  if (send_priority_zero) SendAdvert(kPriorityStop);
  pending_.push_back({.kind = Action::Kind::kRemoveVips});
  advert_at_.reset();
  garp_delayed_at_.reset();
  garp_refresh_at_.reset();
  garp_lower_prio_at_.reset();
  master_adver_int_ = config_.advert_int;
}

void VrrpStateMachine::TransitionTo(State to, std::string reason, absl::Time now, bool announce) {
  const State from = state_;
  if (from == to) return;
  const bool priority_zero = from == State::kMaster && to != State::kBackup;
  if (from == State::kMaster) LeaveMaster(priority_zero);
  if (to != State::kBackup) master_down_at_.reset();
  state_ = to;
  since_ = now;
  ++transitions_;
  last_reason_ = reason;
  if (to == State::kMaster) EnterMaster(now);
  if (to == State::kBackup) ArmMasterDown(now, master_down_interval());
  if (to != State::kMaster && from == State::kMaster) master_address_.reset();
  if (announce) pending_.push_back({.kind = Action::Kind::kNotify, .state = to});
  log_->info("({}) {} -> {}: {} (priority {})", config_.name, StateName(from), StateName(to),
             reason, effective_priority());
  const Transition t{from, to, std::move(reason), now};
  for (const Observer& o : observers_) o(*this, t);
}

Actions VrrpStateMachine::Start(absl::Time now) {
  if (state_ != State::kInit && state_ != State::kStopped) return {};
  if (!fault_tracked() && awaiting_tracked()) {
    if (!start_deferred_) {
      log_->info("({}) waiting for the first result of its tracked scripts", config_.name);
    }
    start_deferred_ = true;
    return Take();
  }
  start_deferred_ = false;
  if (fault_tracked()) {
    // Silent when every item holding it is an init_fail script still at its start.
    bool announce = false;
    for (const TrackedItem& t : config_.tracked) {
      const std::optional<bool> up = Tracked(t.name);
      if (t.weight != 0 || !up || *up != t.reverse) continue;
      if (t.initially != TrackedItem::Initially::kFailed || *up) announce = true;
    }
    TransitionTo(State::kFault, "tracked item down at start", now, announce);
  } else if (effective_priority() == kPriorityOwner) {
    TransitionTo(State::kMaster, "address owner (priority 255)", now);
  } else {
    TransitionTo(State::kBackup, "start", now);
  }
  return Take();
}

Actions VrrpStateMachine::Resume(absl::Time now) {
  if (state_ != State::kStopped) return {};
  return Start(now);
}

Actions VrrpStateMachine::Stop(absl::Time now, std::string_view reason) {
  start_deferred_ = false;
  TransitionTo(State::kStopped, std::string(reason), now);
  return Take();
}

// RFC 5798 §6.4.3: a higher priority wins; an equal one goes to the higher primary
// address, so two masters of equal priority still converge on one.
bool VrrpStateMachine::AdvertOutranksUs(uint8_t priority, const net::IpAddress& src) const {
  const uint8_t ours = effective_priority();
  return priority > ours || (priority == ours && config_.primary_address < src);
}

Actions VrrpStateMachine::OnAdvert(absl::Time now, const net::IpAddress& src, uint8_t priority,
                                   uint16_t advert_int_cs) {
  if (state_ == State::kBackup) {
    OnAdvertAsBackup(now, src, priority, advert_int_cs);
  } else if (state_ == State::kMaster) {
    OnAdvertAsMaster(now, src, priority, advert_int_cs);
  }
  return Take();
}

void VrrpStateMachine::OnAdvertAsBackup(absl::Time now, const net::IpAddress& src, uint8_t priority,
                                        uint16_t advert_int_cs) {
  if (priority == kPriorityStop) {
    // §6.4.2: the master is leaving; take over after the skew only.
    master_down_at_ = now + skew_time();
    master_left_ = src;
    return;
  }
  master_left_.reset();
  const uint8_t ours = effective_priority();
  bool accept = !config_.preempt || yielded_ || priority >= ours;
  if (priority >= ours) {
    lower_master_seen_at_.reset();
  } else if (!accept && config_.preempt_delay > absl::ZeroDuration()) {
    if (!lower_master_seen_at_) lower_master_seen_at_ = now;
    accept = now < *lower_master_seen_at_ + config_.preempt_delay;
  }
  if (!accept) {
    log_->debug("({}) lower priority {} advert from {}: discarding to preempt", config_.name,
                priority, src.ToString());
    return;
  }
  if (config_.version == 3 && advert_int_cs > 0) {
    master_adver_int_ = absl::Milliseconds(10) * advert_int_cs;
  }
  master_address_ = src;
  ArmMasterDown(now, master_down_interval());
}

void VrrpStateMachine::OnAdvertAsMaster(absl::Time now, const net::IpAddress& src, uint8_t priority,
                                        uint16_t advert_int_cs) {
  if (priority == kPriorityStop) {
    SendAdvert(effective_priority());
    advert_at_ = now + config_.advert_int;
    return;
  }
  if (AdvertOutranksUs(priority, src)) {
    if (config_.higher_prio_send_advert) SendAdvert(effective_priority());
    if (config_.version == 3 && advert_int_cs > 0) {
      master_adver_int_ = absl::Milliseconds(10) * advert_int_cs;
    }
    TransitionTo(State::kBackup,
                 absl::StrCat("higher priority advert (", priority, ") from ", src.ToString()),
                 now);
    master_address_ = src;
    return;
  }
  ReassertOverLowerMaster(now, src, priority);
}

// Another master with a lower priority: a healed split brain. Re-assert at once so
// the peer steps down and the switches learn our MAC again — but at most once per
// advert interval: a flood of such adverts must not become a flood of ours (one bad
// packet never causes many).
void VrrpStateMachine::ReassertOverLowerMaster(absl::Time now, const net::IpAddress& src,
                                               uint8_t priority) {
  if (last_reassert_at_ && now < *last_reassert_at_ + config_.advert_int) {
    ++reasserts_suppressed_;
    return;
  }
  log_->info("({}) lower priority {} advert from {}: {}{}", config_.name, priority, src.ToString(),
             config_.lower_prio_no_advert ? "staying master" : "re-asserting master",
             reasserts_suppressed_ ? absl::StrCat(" (", reasserts_suppressed_,
                                                  " more such adverts since the last time)")
                                   : std::string());
  reasserts_suppressed_ = 0;
  last_reassert_at_ = now;
  if (!config_.lower_prio_no_advert) {
    SendAdvert(effective_priority());
    advert_at_ = now + config_.advert_int;
  }
  pending_.push_back({.kind = Action::Kind::kLowerPriorityHeard});
  if (config_.garp_lower_prio_repeat > 0) {
    SendGarp(config_.garp_lower_prio_repeat);
    if (config_.garp_lower_prio_delay > absl::ZeroDuration()) {
      garp_lower_prio_at_ = now + config_.garp_lower_prio_delay;
    }
  }
}

Actions VrrpStateMachine::OnTimer(absl::Time now) {
  auto due = [now](const std::optional<absl::Time>& t) { return t && *t <= now; };
  if (state_ == State::kBackup && due(master_down_at_)) {
    const std::string reason =
        master_left_ ? absl::StrCat("master ", master_left_->ToString(),
                                    " stepped down (priority 0 advert); took over after the skew ",
                                    absl::FormatDuration(skew_time()))
                     : absl::StrCat("no advert for ", absl::FormatDuration(master_down_interval()),
                                    " (master down)");
    master_left_.reset();
    TransitionTo(State::kMaster, reason, now);
    return Take();
  }
  if (state_ != State::kMaster) return Take();
  if (due(advert_at_)) {
    SendAdvert(effective_priority());
    advert_at_ = now + config_.advert_int;
  }
  if (due(garp_delayed_at_)) {
    SendGarp(config_.garp_master_repeat);
    garp_delayed_at_.reset();
  }
  if (due(garp_lower_prio_at_)) {
    SendGarp(config_.garp_lower_prio_repeat);
    garp_lower_prio_at_.reset();
  }
  if (due(garp_refresh_at_)) {
    SendGarp(config_.garp_master_refresh_repeat);
    garp_refresh_at_ = now + config_.garp_master_refresh;
  }
  return Take();
}

Actions VrrpStateMachine::RequestFailover(absl::Time now) {
  if (state_ != State::kMaster) return {};
  SendAdvert(kPriorityStop);
  TransitionTo(State::kBackup, "failover requested", now);
  yielded_ = true;
  return Take();
}

Actions VrrpStateMachine::SetTracked(absl::Time now, std::string_view name, bool up) {
  auto it = std::find_if(tracked_up_.begin(), tracked_up_.end(),
                         [&](const auto& p) { return p.first == name; });
  if (it == tracked_up_.end() || it->second == up) return {};
  const uint8_t before = effective_priority();
  it->second = up;
  const std::string what = absl::StrCat(std::string(name), up ? " up" : " down");
  if (start_deferred_) {
    return (fault_tracked() || !awaiting_tracked()) ? Start(now) : Take();
  }
  if (fault_tracked()) {
    if (state_ == State::kBackup || state_ == State::kMaster) {
      TransitionTo(State::kFault, what, now);
    }
  } else if (state_ == State::kFault) {
    TransitionTo(State::kBackup, what, now);
  } else if (before != effective_priority()) {
    log_->info("({}) effective priority {} -> {}: {}", config_.name, before, effective_priority(),
               what);
  }
  return Take();
}

std::optional<int> TrackedFileOffset(int64_t value, int weight, bool reverse) {
  if (weight == 0) {
    if ((value != 0) != reverse) return std::nullopt;
    return 0;
  }
  const int64_t product = value * weight * (reverse ? -1 : 1);
  const int offset = static_cast<int>(std::clamp<int64_t>(product, -254, 253));
  if (offset == -254) return std::nullopt;
  return offset;
}

Actions VrrpStateMachine::SetTrackedOffset(absl::Time now, std::string_view name,
                                           std::optional<int> offset) {
  const uint8_t before = effective_priority();
  if (offset) {
    offsets_[std::string(name)] = *offset;
  } else {
    offsets_.erase(std::string(name));
  }
  Actions out = SetTracked(now, name, offset.has_value());
  if (out.empty() && before != effective_priority()) {
    log_->info("({}) effective priority {} -> {}: {} {}", config_.name, before,
               effective_priority(), std::string(name),
               offset ? absl::StrCat(*offset) : std::string("fault"));
  }
  return out;
}

Actions VrrpStateMachine::ForceState(absl::Time now, State to, std::string_view reason) {
  // A member held in FAULT only by its group leaves it with the group; one whose
  // own tracked item is down stays in FAULT.
  const bool allowed =
      (to == State::kMaster && state_ == State::kBackup) ||
      (to == State::kBackup && state_ == State::kMaster) ||
      (to == State::kBackup && state_ == State::kFault && !fault_tracked()) ||
      (to == State::kFault && (state_ == State::kBackup || state_ == State::kMaster));
  if (allowed) TransitionTo(to, std::string(reason), now);
  return Take();
}

std::optional<absl::Time> VrrpStateMachine::NextDeadline() const {
  std::optional<absl::Time> next;
  auto consider = [&next](const std::optional<absl::Time>& t) {
    if (t && (!next || *t < *next)) next = t;
  };
  if (state_ == State::kBackup) consider(master_down_at_);
  if (state_ == State::kMaster) {
    consider(advert_at_);
    consider(garp_delayed_at_);
    consider(garp_lower_prio_at_);
    consider(garp_refresh_at_);
  }
  return next;
}

}  // namespace lvs::vrrp
