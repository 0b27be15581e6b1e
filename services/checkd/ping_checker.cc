#include "services/checkd/ping_checker.h"

#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"
#include "services/checkd/socket_address.h"

namespace lvs::checkd {
namespace {

// The bytes of an address as the kernel reports a reply's source.
std::string AddressBytes(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(ss).sin_addr;
    return std::string(reinterpret_cast<const char*>(&a), sizeof a);
  }
  const auto& a = reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr;
  return std::string(reinterpret_cast<const char*>(&a), sizeof a);
}

// Only echo replies are woken for on a raw socket; the rest of the host's ICMP
// stays in the kernel.
void FilterEchoReplies(int fd, bool ipv6) {
  if (ipv6) {
    icmp6_filter filter;
    ICMP6_FILTER_SETBLOCKALL(&filter);
    ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
    setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
  } else {
    uint32_t blocked = ~(1u << ICMP_ECHOREPLY);  // linux/icmp.h ICMP_FILTER: bit set = blocked
    setsockopt(fd, SOL_RAW, 1 /* ICMP_FILTER */, &blocked, sizeof blocked);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<IcmpPinger>> IcmpPinger::Create(event::EventLoop* loop, bool ipv6) {
  const int family = ipv6 ? AF_INET6 : AF_INET;
  const int proto = ipv6 ? static_cast<int>(IPPROTO_ICMPV6) : static_cast<int>(IPPROTO_ICMP);
  bool raw = false;
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  if (fd < 0) {
    // EACCES: this group is outside net.ipv4.ping_group_range (the default in a
    // new network namespace); a raw socket needs CAP_NET_RAW instead.
    fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    raw = true;
  }
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("no ", ipv6 ? "ICMPv6" : "ICMP", " socket: ", std::strerror(errno),
                     " (allow ping sockets with net.ipv4.ping_group_range, or give "
                     "checkd CAP_NET_RAW)"));
  }
  if (raw) FilterEchoReplies(fd, ipv6);
  std::random_device rd;
  auto pinger =
      std::unique_ptr<IcmpPinger>(new IcmpPinger(loop, ipv6, fd, raw, static_cast<uint16_t>(rd())));
  IcmpPinger* self = pinger.get();
  if (auto s = self->fd_.WatchReadable([self] { self->OnReadable(); }); !s.ok()) return s;
  return pinger;
}

uint64_t IcmpPinger::Send(const std::string& ip, Reply on_reply, int* err) {
  SocketAddress dst = MakeSocketAddress(ip, 0);
  if (dst.len == 0 || (dst.family() == AF_INET6) != ipv6_) {
    *err = EAFNOSUPPORT;
    return 0;
  }
  std::string key = AddressBytes(dst.storage);
  // One outstanding echo per (address, sequence): skip a sequence still waiting
  // (a target checked by two PING_CHECKs, or wrapped after 65536 sends).
  uint16_t seq = next_seq_++;
  for (int tries = 0; waiting_.count({key, seq}) != 0 && tries < 65536; ++tries) seq = next_seq_++;
  // The payload says who sent it, for a person reading a capture.
  const std::string message = BuildEchoRequest(ipv6_, {id_, seq}, "lvs-ha checkd PING_CHECK");
  if (sendto(fd_.get(), message.data(), message.size(), 0, dst.get(), dst.len) < 0) {
    *err = errno;
    return 0;
  }
  const uint64_t ticket = next_ticket_++;
  waiting_[{key, seq}] = {ticket, std::move(on_reply)};
  tickets_[ticket] = {std::move(key), seq};
  return ticket;
}

void IcmpPinger::Forget(uint64_t ticket) {
  auto it = tickets_.find(ticket);
  if (it == tickets_.end()) return;
  waiting_.erase(it->second);
  tickets_.erase(it);
}

void IcmpPinger::OnReadable() {
  char buf[1500];
  // A bounded batch per wakeup: a flood of replies cannot starve the loop.
  for (int i = 0; i < 256; ++i) {
    sockaddr_storage from{};
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(fd_.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) return;  // EAGAIN, or an error queued by an unreachable: the timeout decides
    auto echo =
        ParseEchoReply(ipv6_, absl::string_view(buf, static_cast<size_t>(n)), raw_ && !ipv6_);
    if (!echo || (raw_ && echo->id != id_)) {
      if (!raw_) ++bad_replies_;  // a raw socket sees everyone's pings: not ours is normal
      continue;
    }
    auto it = waiting_.find({AddressBytes(from), echo->seq});
    if (it == waiting_.end()) continue;  // late (already timed out) or a duplicate
    Reply reply = std::move(it->second.second);
    tickets_.erase(it->second.first);
    waiting_.erase(it);
    reply();
  }
}

void PingChecker::Start(Done done) {
  done_ = std::move(done);
  int err = 0;
  ticket_ = pinger_->Send(
      spec_.connect_ip,
      [this] {
        ticket_ = 0;
        Finish(CheckOutcome::Up("echo reply"));
      },
      &err);
  // An unreachable network or host is the network's answer; no buffer space is ours.
  if (ticket_ == 0) return Finish(ConnectFailure(err));
  timer_ = loop_->AddTimer(spec_.connect_timeout, [this] {
    timer_ = 0;
    Finish(CheckOutcome::Down(NoAnswerIn(spec_.connect_timeout)));
  });
}

void PingChecker::Finish(CheckOutcome outcome) {
  Done done = std::move(done_);
  Cancel();
  if (done) done(std::move(outcome));
}

void PingChecker::Cancel() {
  if (timer_ != 0) loop_->CancelTimer(timer_);
  timer_ = 0;
  if (ticket_ != 0) pinger_->Forget(ticket_);
  ticket_ = 0;
  done_ = nullptr;
}

}  // namespace lvs::checkd
