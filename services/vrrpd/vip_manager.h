// Adds and removes an instance's virtual addresses on the interface through
// rtnetlink (libnl-route), with the dev, label, scope and broadcast keepalived
// accepts, so `ip addr` shows what keepalived would have put there.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/net/ip_address.h"

struct nl_sock;

namespace lvs::vrrp {

struct Vip {
  net::IpAddress address;
  int prefix_len = 32;
  std::string dev;
  std::string label;
  std::string broadcast;  // empty: none
  std::string scope;      // empty: global
  // virtual_ipaddress_excluded: added, removed and announced like the others, but not
  // carried in adverts (so it need not match the peer's list, and any family goes).
  bool excluded = false;
  std::string ToString() const;  // "192.168.64.100/32 dev ens160 label ens160:vip"
  friend bool operator==(const Vip&, const Vip&) = default;
};

class VipManager {
 public:
  static absl::StatusOr<std::unique_ptr<VipManager>> Create();
  ~VipManager();

  // Both are idempotent: adding a present address or removing an absent one is fine.
  absl::Status Add(const Vip& vip);
  absl::Status Remove(const Vip& vip);

 private:
  explicit VipManager(nl_sock* sock) : sock_(sock) {}
  absl::Status Change(const Vip& vip, bool add);
  nl_sock* sock_;
};

}  // namespace lvs::vrrp
