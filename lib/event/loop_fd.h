// A descriptor its holder owns for life and the loop reads: the inotify, netlink and
// ICMP sockets of the classes that each wrap one. It leaves the loop, and is closed,
// with its holder.
#pragma once

#include <sys/epoll.h>
#include <unistd.h>

#include <functional>
#include <utility>

#include "absl/status/status.h"
#include "lib/event/event_loop.h"

namespace lvs::event {

class LoopFd {
 public:
  LoopFd(EventLoop* loop, int fd) : loop_(loop), fd_(fd) {}
  ~LoopFd() {
    loop_->RemoveFd(fd_);  // nothing, if it was never watched
    close(fd_);
  }
  LoopFd(const LoopFd&) = delete;
  LoopFd& operator=(const LoopFd&) = delete;

  // The loop calls `on_readable` each time the descriptor is readable.
  absl::Status WatchReadable(std::function<void()> on_readable) {
    return loop_->AddFd(fd_, EPOLLIN,
                        [on_readable = std::move(on_readable)](uint32_t) { on_readable(); });
  }

  int get() const { return fd_; }

 private:
  EventLoop* const loop_;
  const int fd_;
};

}  // namespace lvs::event
