// What vrrpd needs to run one vrrp_instance, derived from the config model with
// keepalived's defaults filled in and every value checked. Pure: no I/O.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lvs/v1/config.pb.h"
#include "services/vrrpd/vip_manager.h"
#include "services/vrrpd/vrrp_packet.h"
#include "services/vrrpd/vrrp_state_machine.h"

namespace lvs::vrrp {

struct TrackScriptSpec {
  std::string name;
  std::string script;
  absl::Duration interval = absl::Seconds(1);
  absl::Duration timeout = absl::Seconds(1);
  int rise = 1;
  int fall = 1;
  std::string user, group;  // vrrp_script's "user USER [GROUP]"; empty: the default
};

// A notify script as the file gives it: "notify_master CMD [USER [GROUP]]".
struct NotifySpec {
  std::string command;      // empty: none
  std::string user, group;  // empty: the default script user
  friend bool operator==(const NotifySpec&, const NotifySpec&) = default;
};
struct NotifySpecs {
  NotifySpec master, backup, fault, stop, generic;
  NotifySpec master_rx_lower_pri;  // a vrrp_instance's only
  static NotifySpecs FromConfig(const v1::NotifyScript& master, const v1::NotifyScript& backup,
                                const v1::NotifyScript& fault, const v1::NotifyScript& stop,
                                const v1::NotifyScript& generic);
};

struct InstanceSpec {
  VrrpConfig vrrp;  // primary_address is filled in by the daemon from the interface
  std::string interface;
  net::IpFamily family = net::IpFamily::kV4;
  // dont_track_primary: the instance's own interface going down is not a FAULT.
  bool dont_track_primary = false;
  // accept/no_accept as the config reader resolved it (strict mode's default
  // included). A non-owner that does not accept blocks its VIPs while it holds them.
  bool accept = true;
  bool skip_check_adv_addr = false;  // see v1::VrrpInstance
  bool check_unicast_src = false;
  bool promote_secondaries = false;
  // global_defs' script_user [group] and enable_script_security, for its scripts.
  std::string script_user, script_group;
  bool script_security = false;
  VrrpAuthType auth_type = VrrpAuthType::kNone;
  std::array<uint8_t, kVrrpAuthLen> auth_data{};
  std::vector<Vip> vips;
  std::optional<net::IpAddress> unicast_src;
  std::vector<net::IpAddress> unicast_peers;
  std::vector<std::string> track_interfaces;   // tracked as "if:<name>"
  std::vector<TrackScriptSpec> track_scripts;  // tracked as "script:<name>"
  std::vector<v1::TrackFile> track_files;      // tracked as "file:<name>" (a number)
  NotifySpecs notify;
  std::string sync_group;
  std::string vmac;  // use_vmac: the macvlan's name; empty: none
  // Spacing between gratuitous ARPs (IPv4) or NAs (IPv6); zero: all at once.
  absl::Duration garp_interval = absl::ZeroDuration();
  v1::VrrpInstance source;  // the config it came from, locations cleared, for reload diffs

  bool unicast() const { return !unicast_peers.empty(); }
  bool blocks_vips() const { return vrrp.priority != 255 && !accept; }
  InstanceExpectation Expectation() const;
};

// Builds every instance of the config. Errors name the instance and the problem.
absl::StatusOr<std::vector<InstanceSpec>> InstanceSpecsFromConfig(const v1::Config& config);

}  // namespace lvs::vrrp
