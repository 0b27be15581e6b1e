// The kernel side of vip_firewall: applies the pure plan's nft scripts through
// libnftables (the library nft itself is built on, so no shell and no parsing of
// nft's output), and remembers what it installed so that a later sync or the
// teardown at exit changes only that.
#pragma once

#include <memory>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "services/vrrpd/vip_firewall.h"

struct nft_ctx;

namespace lvs::vrrp {

class NftFirewall {
 public:
  NftFirewall();
  ~NftFirewall();  // does not tear down: the owner decides when (Teardown)
  NftFirewall(const NftFirewall&) = delete;
  NftFirewall& operator=(const NftFirewall&) = delete;

  // The first settings clear any left-over table of that name (ClearLeftOverFirewall);
  // new ones (a reload) delete the tables made under the old, so a renamed table
  // leaves nothing behind.
  absl::Status Configure(const FirewallSettings& settings);

  // Blocks exactly `wanted`. On failure nothing is assumed applied: the state stays
  // what it was, and the next Sync tries the whole difference again.
  absl::Status Sync(const std::set<BlockedAddress>& wanted);

  // Deletes the tables this process created (keepalived does so at exit).
  absl::Status Teardown();

  const FirewallState& state() const { return state_; }

 private:
  absl::Status Run(const FirewallChange& change);

  nft_ctx* ctx_ = nullptr;
  FirewallSettings settings_;
  bool configured_ = false;
  FirewallState state_;
};

}  // namespace lvs::vrrp
