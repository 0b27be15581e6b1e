// Watches interfaces going up and down (rtnetlink RTMGRP_LINK) for FAULT and
// track_interface. An interface counts as up when it is admin up with carrier.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "lib/event/event_loop.h"
#include "lib/event/loop_fd.h"

namespace lvs::vrrp {

class LinkMonitor {
 public:
  using Callback = std::function<void(const std::string& ifname, bool up)>;
  static absl::StatusOr<std::unique_ptr<LinkMonitor>> Open(event::EventLoop& loop, Callback cb);

  // Current state, read from the kernel; an absent interface is down.
  static bool IsUp(const std::string& ifname);

 private:
  LinkMonitor(event::EventLoop& loop, int fd, Callback cb) : fd_(&loop, fd), cb_(std::move(cb)) {}
  void OnReadable();

  event::LoopFd fd_;  // rtnetlink, RTMGRP_LINK
  Callback cb_;
  std::map<std::string, bool> last_;  // only changes are reported
};

}  // namespace lvs::vrrp
