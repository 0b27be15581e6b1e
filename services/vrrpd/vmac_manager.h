// use_vmac: a macvlan (private mode) on the instance's interface carrying the
// VRRP virtual MAC 00:00:5e:00:01:<VRID> (RFC 5798 §7.3), so that hosts keep
// the VIP's neighbour entry across a failover. As in keepalived, the VIPs live on
// the macvlan, the adverts and GARPs leave from it, IPv6 is off on it (a backup's
// macvlan must never send a frame with the shared MAC), and arp_ignore=1 keeps
// the base interface from answering ARP for the VIPs with its own MAC.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct nl_sock;

namespace lvs::vrrp {

class VmacManager {
 public:
  static absl::StatusOr<std::unique_ptr<VmacManager>> Create();
  ~VmacManager();

  // Creates (or takes over) `name` on `base` with the virtual MAC of `vrid`, up.
  absl::Status Ensure(const std::string& name, const std::string& base, uint8_t vrid);
  // Deletes `name` and restores the base's arp_ignore when its last macvlan goes.
  absl::Status Remove(const std::string& name);

 private:
  explicit VmacManager(nl_sock* sock) : sock_(sock) {}
  nl_sock* sock_;
  std::map<std::string, std::string> base_of_;           // macvlan -> base
  std::map<std::string, std::string> saved_arp_ignore_;  // base -> value before us
};

}  // namespace lvs::vrrp
