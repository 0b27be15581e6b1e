#include "services/vrrpd/link_monitor.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace lvs::vrrp {

absl::StatusOr<std::unique_ptr<LinkMonitor>> LinkMonitor::Open(event::EventLoop& loop,
                                                               Callback cb) {
  const int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("netlink socket: ", strerror(errno)));
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = RTMGRP_LINK;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) < 0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("netlink bind: ", strerror(errno)));
  }
  auto m = std::unique_ptr<LinkMonitor>(new LinkMonitor(loop, fd, std::move(cb)));
  LinkMonitor* self = m.get();
  if (auto s = self->fd_.WatchReadable([self] { self->OnReadable(); }); !s.ok()) return s;
  return m;
}

bool LinkMonitor::IsUp(const std::string& ifname) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  const bool ok = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
  close(fd);
  return ok && (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

void LinkMonitor::OnReadable() {
  alignas(nlmsghdr) char buf[16384];
  for (;;) {
    const ssize_t n = recv(fd_.get(), buf, sizeof(buf), 0);
    if (n <= 0) {
      // ENOBUFS: events were lost; every caller re-reads the state it cares about.
      if (n < 0 && errno == ENOBUFS) {
        for (auto& [name, up] : last_) {
          const bool now = IsUp(name);
          if (now != up) cb_(name, up = now);
        }
        continue;
      }
      return;
    }
    auto len = static_cast<uint32_t>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) continue;
      auto* ifi = static_cast<ifinfomsg*>(NLMSG_DATA(h));
      std::string name;
      int alen = static_cast<int>(IFLA_PAYLOAD(h));
      for (auto* a = IFLA_RTA(ifi); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
        if (a->rta_type == IFLA_IFNAME) name = static_cast<const char*>(RTA_DATA(a));
      }
      if (name.empty()) continue;
      const bool up = h->nlmsg_type == RTM_NEWLINK && (ifi->ifi_flags & IFF_UP) &&
                      (ifi->ifi_flags & IFF_RUNNING);
      auto [it, fresh] = last_.emplace(name, up);
      if (!fresh && it->second == up) continue;
      it->second = up;
      cb_(name, up);
    }
  }
}

}  // namespace lvs::vrrp
