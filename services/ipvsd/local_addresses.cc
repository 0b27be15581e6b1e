#include "services/ipvsd/local_addresses.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace lvs::ipvs {

absl::StatusOr<std::unique_ptr<LocalAddresses>> LocalAddresses::Create(event::EventLoop* loop,
                                                                       OnChange on_change) {
  const int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return absl::InternalError(absl::StrCat("rtnetlink socket: ", std::strerror(errno)));
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    const std::string err = std::strerror(errno);
    close(fd);
    return absl::InternalError(absl::StrCat("rtnetlink bind: ", err));
  }
  std::unique_ptr<LocalAddresses> self(new LocalAddresses(loop, fd, std::move(on_change)));
  if (absl::Status s = self->RequestDump(); !s.ok()) return s;
  LocalAddresses* raw = self.get();
  if (absl::Status s = raw->fd_.WatchReadable([raw] { raw->OnReadable(); }); !s.ok()) return s;
  return self;
}

LocalAddresses::LocalAddresses(event::EventLoop* loop, int fd, OnChange on_change)
    : fd_(loop, fd), on_change_(std::move(on_change)) {}

absl::Status LocalAddresses::RequestDump() {
  struct {
    nlmsghdr h;
    ifaddrmsg m;
  } req{};
  req.h.nlmsg_len = sizeof(req);
  req.h.nlmsg_type = RTM_GETADDR;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.m.ifa_family = AF_UNSPEC;
  if (send(fd_.get(), &req, sizeof(req), 0) < 0)
    return absl::InternalError(absl::StrCat("RTM_GETADDR: ", std::strerror(errno)));
  on_.clear();
  dumped_ = false;
  return absl::OkStatus();
}

bool LocalAddresses::Apply(const uint8_t* data, size_t len) {
  bool changed = false;
  size_t left = len;
  for (auto* h = reinterpret_cast<const nlmsghdr*>(data); NLMSG_OK(h, left);
       h = NLMSG_NEXT(h, left)) {
    if (h->nlmsg_type == NLMSG_DONE) {
      dumped_ = true;
      changed = true;  // the first full view
      continue;
    }
    if (h->nlmsg_type != RTM_NEWADDR && h->nlmsg_type != RTM_DELADDR) continue;
    if (h->nlmsg_len < NLMSG_LENGTH(sizeof(ifaddrmsg))) continue;
    const auto* ifa = static_cast<const ifaddrmsg*>(NLMSG_DATA(h));
    if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) continue;
    const size_t size = ifa->ifa_family == AF_INET ? 4 : 16;
    const rtattr* local = nullptr;
    const rtattr* address = nullptr;
    int attr_len = static_cast<int>(IFA_PAYLOAD(h));
    for (auto* a = IFA_RTA(ifa); RTA_OK(a, attr_len); a = RTA_NEXT(a, attr_len)) {
      if (RTA_PAYLOAD(a) != size) continue;
      if (a->rta_type == IFA_LOCAL) local = a;
      if (a->rta_type == IFA_ADDRESS) address = a;
    }
    // IPv4's own address is IFA_LOCAL (IFA_ADDRESS is the peer on point-to-point links).
    const rtattr* a = local ? local : address;
    if (!a) continue;
    const net::IpAddress ip = net::IpAddress::FromRaw(ifa->ifa_family, RTA_DATA(a));
    const auto entry = std::make_pair(static_cast<int>(ifa->ifa_index), ip);
    const bool before = Present(ip);
    if (h->nlmsg_type == RTM_NEWADDR) {
      on_.insert(entry);  // a NEWADDR for one already there only changes its flags
    } else {
      on_.erase(entry);
    }
    changed |= before != Present(ip);
  }
  return changed && dumped_;
}

bool LocalAddresses::Present(const net::IpAddress& ip) const {
  for (const auto& [key, address] : on_)
    if (address == ip) return true;
  return false;
}

std::set<net::IpAddress> LocalAddresses::Current() const {
  std::set<net::IpAddress> out;
  for (const auto& [ifindex, ip] : on_) out.insert(ip);
  return out;
}

void LocalAddresses::OnReadable() {
  alignas(nlmsghdr) uint8_t buf[32768];
  bool changed = false;
  while (true) {
    const ssize_t n = recv(fd_.get(), buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {
        // Events were lost: read the whole set again.
        if (RequestDump().ok()) continue;
      }
      break;
    }
    if (n == 0) break;
    changed |= Apply(buf, static_cast<size_t>(n));
  }
  if (changed && on_change_) on_change_(Current());
}

}  // namespace lvs::ipvs
