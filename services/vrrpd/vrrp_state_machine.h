// One VRRP instance's protocol state machine, RFC 5798 §6 with keepalived's timing
// and extensions (preempt_delay, track weights, FAULT, re-assertion on hearing a
// lower priority). Pure: every input carries `now`, and the machine answers with the
// actions the daemon must perform (send an advert, add/remove VIPs, GARP, notify)
// and a deadline for its next timer; it never does I/O itself.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "lib/net/ip_address.h"
#include "spdlog/logger.h"

namespace lvs::vrrp {

enum class State : uint8_t { kInit, kBackup, kMaster, kFault, kStopped };
const char* StateName(State s);  // "INIT", "BACKUP", ... (keepalived's words)

inline constexpr uint8_t kPriorityOwner = 255;
inline constexpr uint8_t kPriorityStop = 0;

// Something that changes the effective priority (track_interface, track_script).
// weight > 0 is added while up, weight < 0 is added while down, weight 0 means
// FAULT while down — keepalived's rules. `reverse` (keepalived's multiplier -1)
// subtracts instead of adding, and with weight 0 means FAULT while up.
//
// A tracked script has no state until its first result (keepalived's script init
// state): it adds no weight, and a weight-0 one holds the instance in INIT — no
// adverts, no notify — until it reports (keepalived holds it in a FAULT it does not
// announce). `init_fail` starts it failed instead; an instance that starts in FAULT
// only because of such scripts does not announce that FAULT either (keepalived).
struct TrackedItem {
  enum class Initially { kUp, kUnknown, kFailed };
  std::string name;
  int weight = 0;
  bool reverse = false;
  Initially initially = Initially::kUp;
};

// keepalived's reading of a track_file's number for an instance: weight 0 makes a
// non-zero value (reverse: a zero value) a FAULT; otherwise value x weight
// (negated by reverse), clamped to -254..253, is added to the priority, and -254
// is a FAULT. Nothing: FAULT.
std::optional<int> TrackedFileOffset(int64_t value, int weight, bool reverse);

struct VrrpConfig {
  std::string name;
  uint8_t vrid = 0;
  uint8_t version = 2;
  uint8_t priority = 100;
  absl::Duration advert_int = absl::Seconds(1);
  bool preempt = true;
  absl::Duration preempt_delay = absl::ZeroDuration();
  net::IpAddress primary_address;  // ties between equal priorities go to the higher one
  std::vector<TrackedItem> tracked;
  uint32_t garp_master_repeat = 5;
  absl::Duration garp_master_delay = absl::Seconds(5);
  absl::Duration garp_master_refresh = absl::ZeroDuration();  // zero: no refresh
  uint32_t garp_master_refresh_repeat = 1;
  // A master hearing a lower priority (keepalived): an advert unless
  // lower_prio_no_advert, and garp_lower_prio_repeat GARPs, again after
  // garp_lower_prio_delay (zero: not again). higher_prio_send_advert: one advert
  // before yielding to a higher priority.
  bool lower_prio_no_advert = false;
  uint32_t garp_lower_prio_repeat = 5;
  absl::Duration garp_lower_prio_delay = absl::Seconds(5);
  bool higher_prio_send_advert = false;
  uint32_t down_timer_adverts = 3;  // Master_Down_Interval's multiple of the interval
};

struct Action {
  // kLowerPriorityHeard: a master heard a lower priority (notify_master_rx_lower_pri).
  enum class Kind : uint8_t {
    kSendAdvert,
    kAddVips,
    kRemoveVips,
    kSendGarp,
    kNotify,
    kLowerPriorityHeard
  };
  Kind kind;
  uint8_t priority = 0;        // kSendAdvert
  uint32_t count = 0;          // kSendGarp: gratuitous ARPs / NAs per address
  State state = State::kInit;  // kNotify: the state entered
  friend bool operator==(const Action&, const Action&) = default;
};
using Actions = std::vector<Action>;

struct Transition {
  State from;
  State to;
  std::string reason;
  absl::Time at;
};

class VrrpStateMachine {
 public:
  using Observer = std::function<void(const VrrpStateMachine&, const Transition&)>;

  // logger may be null (the default logger is used).
  VrrpStateMachine(VrrpConfig config, std::shared_ptr<spdlog::logger> logger);

  Actions Start(absl::Time now);
  // Shutdown or admin down: a master sends priority 0 and drops its VIPs.
  Actions Stop(absl::Time now, std::string_view reason);
  // Admin up after Stop.
  Actions Resume(absl::Time now);
  // An advert that passed every codec and instance check.
  Actions OnAdvert(absl::Time now, const net::IpAddress& src, uint8_t priority,
                   uint16_t advert_int_cs);
  // Runs whatever is due at `now` (call at NextDeadline()).
  Actions OnTimer(absl::Time now);
  // The master steps down with priority 0 and stays backup (no preemption) until it
  // becomes master again by the normal rules. Only meaningful in MASTER.
  Actions RequestFailover(absl::Time now);
  // A tracked interface or script changed; may change priority or enter/leave FAULT.
  Actions SetTracked(absl::Time now, std::string_view name, bool up);
  // A tracked item with a number (track_file): `offset` added to the priority, or
  // nothing for FAULT. The item is in `tracked` with weight 0.
  Actions SetTrackedOffset(absl::Time now, std::string_view name, std::optional<int> offset);
  // Sync group: follow a member into MASTER, BACKUP or FAULT.
  Actions ForceState(absl::Time now, State to, std::string_view reason);

  std::optional<absl::Time> NextDeadline() const;

  void AddObserver(Observer observer) { observers_.push_back(std::move(observer)); }

  const VrrpConfig& config() const { return config_; }
  State state() const { return state_; }
  uint8_t effective_priority() const;
  bool fault_tracked() const;
  const std::optional<net::IpAddress>& master_address() const { return master_address_; }
  absl::Time since() const { return since_; }
  uint64_t transitions() const { return transitions_; }
  const std::string& last_reason() const { return last_reason_; }
  absl::Duration master_down_interval() const;
  absl::Duration skew_time() const;

 private:
  // The one place a state changes: exit/entry actions, log, count, observers.
  // `announce`: whether notify scripts hear of it (keepalived keeps some silent).
  void TransitionTo(State to, std::string reason, absl::Time now, bool announce = true);
  void EnterMaster(absl::Time now);
  void LeaveMaster(bool send_priority_zero);
  void ArmMasterDown(absl::Time now, absl::Duration after);
  void SendAdvert(uint8_t priority);
  void SendGarp(uint32_t count);
  Actions Take();
  // Up, down, or not known yet (a script that has not reported).
  std::optional<bool> Tracked(std::string_view name) const;
  // A weight-0 item has not reported: Start waits for it.
  bool awaiting_tracked() const;
  absl::Duration MasterAdverInterval() const { return master_adver_int_; }
  bool AdvertOutranksUs(uint8_t priority, const net::IpAddress& src) const;
  // OnAdvert in each state that heeds adverts.
  void OnAdvertAsBackup(absl::Time now, const net::IpAddress& src, uint8_t priority,
                        uint16_t advert_int_cs);
  void OnAdvertAsMaster(absl::Time now, const net::IpAddress& src, uint8_t priority,
                        uint16_t advert_int_cs);
  void ReassertOverLowerMaster(absl::Time now, const net::IpAddress& src, uint8_t priority);

  VrrpConfig config_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<Observer> observers_;
  std::vector<std::pair<std::string, std::optional<bool>>> tracked_up_;
  bool start_deferred_ = false;                      // Start came while awaiting_tracked()
  std::map<std::string, int, std::less<>> offsets_;  // SetTrackedOffset's, by item

  State state_ = State::kInit;
  absl::Time since_ = absl::InfinitePast();
  uint64_t transitions_ = 0;
  std::string last_reason_;
  std::optional<net::IpAddress> master_address_;
  absl::Duration master_adver_int_;
  bool yielded_ = false;                            // after RequestFailover: do not preempt
  std::optional<absl::Time> lower_master_seen_at_;  // preempt_delay window start
  std::optional<net::IpAddress> master_left_;       // sent priority 0: the takeover's reason
  std::optional<absl::Time> last_reassert_at_;      // against a lower-priority master
  uint64_t reasserts_suppressed_ = 0;

  std::optional<absl::Time> advert_at_;
  std::optional<absl::Time> master_down_at_;
  std::optional<absl::Time> garp_delayed_at_;
  std::optional<absl::Time> garp_refresh_at_;
  std::optional<absl::Time> garp_lower_prio_at_;

  Actions pending_;
};

}  // namespace lvs::vrrp
