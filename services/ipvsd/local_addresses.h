// The addresses on this host's interfaces, kept current from rtnetlink (a dump at
// start, then RTM_NEWADDR/RTM_DELADDR), for ha_suspend: a virtual server's checks
// run only while its address is here. An address on two interfaces stays present
// until both are gone, as keepalived counts it.
#pragma once

#include <functional>
#include <utility>
#include <memory>
#include <set>

#include "absl/status/statusor.h"
#include "lib/event/event_loop.h"
#include "lib/event/loop_fd.h"
#include "services/ipvsd/ipvs_types.h"

namespace lvs::ipvs {

class LocalAddresses {
 public:
  using OnChange = std::function<void(const std::set<net::IpAddress>&)>;
  // Runs on `loop`; `on_change` gets the whole set after each change (and once the
  // first dump is read).
  static absl::StatusOr<std::unique_ptr<LocalAddresses>> Create(event::EventLoop* loop,
                                                                OnChange on_change);

  // Applies one buffer of rtnetlink messages; true when the set changed. Pure, for tests.
  bool Apply(const uint8_t* data, size_t len);
  std::set<net::IpAddress> Current() const;

 private:
  LocalAddresses(event::EventLoop* loop, int fd, OnChange on_change);
  absl::Status RequestDump();
  void OnReadable();

  event::LoopFd fd_;  // rtnetlink, the address groups
  OnChange on_change_;
  bool Present(const net::IpAddress& ip) const;
  std::set<std::pair<int, net::IpAddress>> on_;  // (interface index, address)
  bool dumped_ = false;
};

}  // namespace lvs::ipvs
