// PING_CHECK: one ICMP / ICMPv6 echo per run, answered within connect_timeout is up.
//
// All ping checkers of a family share one socket (an IcmpPinger), so a thousand
// targets cost one file descriptor and each reply is read once, not once per raw
// socket. An unprivileged ping socket is used where net.ipv4.ping_group_range
// allows it (the kernel then filters replies to this socket); otherwise a raw
// socket, which sees every echo reply on the host, so replies are matched by
// source, identifier and sequence.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "absl/status/statusor.h"
#include "lib/event/event_loop.h"
#include "lib/event/loop_fd.h"
#include "services/checkd/checker.h"
#include "services/checkd/icmp_echo.h"

namespace lvs::checkd {

class IcmpPinger {
 public:
  using Reply = std::function<void()>;
  static absl::StatusOr<std::unique_ptr<IcmpPinger>> Create(event::EventLoop* loop, bool ipv6);

  // Sends one echo to `ip` (canonical text) from `bindto` (empty: any); `on_reply`
  // runs on the loop when the matching reply arrives, unless Forget() came first.
  // Returns a ticket for Forget, or 0 with *err set when the send failed.
  uint64_t Send(const std::string& ip, Reply on_reply, int* err);
  void Forget(uint64_t ticket);
  bool raw() const { return raw_; }
  uint64_t bad_replies() const { return bad_replies_; }

 private:
  IcmpPinger(event::EventLoop* loop, bool ipv6, int fd, bool raw, uint16_t id)
      : ipv6_(ipv6), fd_(loop, fd), raw_(raw), id_(id) {}
  void OnReadable();

  const bool ipv6_;
  event::LoopFd fd_;
  const bool raw_;
  const uint16_t id_;  // ours on a raw socket; a ping socket writes its own
  uint16_t next_seq_ = 0;
  uint64_t next_ticket_ = 1;
  uint64_t bad_replies_ = 0;
  // (source address bytes, sequence) -> waiting probe.
  std::map<std::pair<std::string, uint16_t>, std::pair<uint64_t, Reply>> waiting_;
  std::map<uint64_t, std::pair<std::string, uint16_t>> tickets_;
};

class PingChecker final : public Checker {
 public:
  PingChecker(event::EventLoop* loop, IcmpPinger* pinger, const CheckerSpec& spec)
      : loop_(loop), pinger_(pinger), spec_(spec) {}
  ~PingChecker() override { Cancel(); }
  void Start(Done done) override;
  void Cancel() override;

 private:
  void Finish(CheckOutcome outcome);

  event::EventLoop* loop_;
  IcmpPinger* pinger_;
  const CheckerSpec spec_;
  uint64_t ticket_ = 0;
  event::EventLoop::TimerId timer_ = 0;
  Done done_;
};

}  // namespace lvs::checkd
