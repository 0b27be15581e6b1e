#include "services/vrrpd/vrrp_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>

#include "absl/strings/str_cat.h"

namespace lvs::vrrp {
namespace {

absl::Status Errno(const std::string& what) {
  return absl::Status(absl::ErrnoToStatusCode(errno), absl::StrCat(what, ": ", strerror(errno)));
}

template <typename T>
absl::Status SetOpt(int fd, int level, int name, const T& value, const char* what) {
  if (setsockopt(fd, level, name, &value, sizeof(value)) < 0) return Errno(what);
  return absl::OkStatus();
}

// One integer socket option, named for the error that setting it fails with.
struct IntOption {
  int level;
  int name;
  int value;
  const char* what;
};

absl::Status SetIntOptions(int fd, std::initializer_list<IntOption> options) {
  for (const IntOption& o : options) {
    if (auto s = SetOpt(fd, o.level, o.name, o.value, o.what); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ConfigureV4(int fd, int ifindex) {
  if (auto s = SetIntOptions(fd, {{IPPROTO_IP, IP_HDRINCL, 1, "IP_HDRINCL"},
                                  {IPPROTO_IP, IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP"}});
      !s.ok()) {
    return s;
  }
  ip_mreqn mreq{};
  mreq.imr_multiaddr.s_addr = htonl(0xe0000012);
  mreq.imr_ifindex = ifindex;
  if (auto s = SetOpt(fd, IPPROTO_IP, IP_MULTICAST_IF, mreq, "IP_MULTICAST_IF"); !s.ok()) return s;
  return SetOpt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, mreq, "IP_ADD_MEMBERSHIP 224.0.0.18");
}

absl::Status ConfigureV6(int fd, int ifindex) {
  if (auto s =
          SetIntOptions(fd, {{IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP"},
                             {IPPROTO_IPV6, IPV6_MULTICAST_HOPS, kVrrpTtl, "IPV6_MULTICAST_HOPS"},
                             {IPPROTO_IPV6, IPV6_UNICAST_HOPS, kVrrpTtl, "IPV6_UNICAST_HOPS"},
                             {IPPROTO_IPV6, IPV6_TCLASS, 0xc0, "IPV6_TCLASS"},
                             {IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT"},
                             {IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO"},
                             {IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex, "IPV6_MULTICAST_IF"}});
      !s.ok()) {
    return s;
  }
  ipv6_mreq mreq{};
  inet_pton(AF_INET6, "ff02::12", &mreq.ipv6mr_multiaddr);
  mreq.ipv6mr_interface = ifindex;
  return SetOpt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, mreq, "IPV6_JOIN_GROUP ff02::12");
}

// sendmsg's and recvmsg's header for one buffer, an address and ancillary data.
msghdr OneBufferMessage(void* name, socklen_t name_len, iovec* iov, void* control,
                        size_t control_len) {
  msghdr mh{};
  mh.msg_name = name;
  mh.msg_namelen = name_len;
  mh.msg_iov = iov;
  mh.msg_iovlen = 1;
  mh.msg_control = control;
  mh.msg_controllen = control_len;
  return mh;
}

}  // namespace

net::IpAddress VrrpSocket::MulticastGroup(net::IpFamily family) {
  return *net::IpAddress::Parse(family == net::IpFamily::kV4 ? "224.0.0.18" : "ff02::12");
}

absl::StatusOr<std::unique_ptr<VrrpSocket>> VrrpSocket::Open(const std::string& ifname,
                                                             net::IpFamily family) {
  const int ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
  if (ifindex == 0) return absl::NotFoundError(absl::StrCat("interface ", ifname, " not found"));
  const int domain = family == net::IpFamily::kV4 ? AF_INET : AF_INET6;
  const int fd = socket(domain, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, kIpProtoVrrp);
  if (fd < 0) return Errno("socket(SOCK_RAW, IPPROTO_VRRP)");
  auto sock = std::unique_ptr<VrrpSocket>(new VrrpSocket(fd, ifname, ifindex, family));
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(), ifname.size()) < 0) {
    return Errno(absl::StrCat("SO_BINDTODEVICE ", ifname));
  }
  // Room for a burst (a flood of bad packets must not crowd out the good ones).
  const int rcvbuf = 1 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  absl::Status s =
      family == net::IpFamily::kV4 ? ConfigureV4(fd, ifindex) : ConfigureV6(fd, ifindex);
  if (!s.ok()) return absl::Status(s.code(), absl::StrCat(ifname, ": ", s.message()));
  return sock;
}

VrrpSocket::~VrrpSocket() { close(fd_); }

absl::Status VrrpSocket::Send(const VrrpAdvert& advert, const net::IpAddress& src,
                              const net::IpAddress& dst) {
  if (family_ == net::IpFamily::kV4) {
    std::vector<uint8_t> d = BuildIpv4Datagram(advert, src, dst);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    std::memcpy(&to.sin_addr, dst.bytes().data(), 4);
    if (sendto(fd_, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) < 0) {
      return Errno(absl::StrCat("send advert to ", dst.ToString(), " on ", ifname_));
    }
    return absl::OkStatus();
  }
  std::vector<uint8_t> msg = BuildVrrpMessage(advert, src, dst);
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  std::memcpy(&to.sin6_addr, dst.bytes().data(), 16);
  to.sin6_scope_id = ifindex_;
  iovec iov{msg.data(), msg.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
  msghdr mh = OneBufferMessage(&to, sizeof(to), &iov, control, sizeof(control));
  cmsghdr* c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = IPPROTO_IPV6;
  c->cmsg_type = IPV6_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
  in6_pktinfo pi{};
  std::memcpy(&pi.ipi6_addr, src.bytes().data(), 16);
  pi.ipi6_ifindex = ifindex_;
  std::memcpy(CMSG_DATA(c), &pi, sizeof(pi));
  if (sendmsg(fd_, &mh, 0) < 0) {
    return Errno(absl::StrCat("send advert to ", dst.ToString(), " on ", ifname_));
  }
  return absl::OkStatus();
}

absl::StatusOr<ParseResult> VrrpSocket::Receive() {
  sockaddr_storage from{};
  iovec iov{buf_.data(), buf_.size()};
  alignas(cmsghdr) char control[256];
  msghdr mh = OneBufferMessage(&from, sizeof(from), &iov, control, sizeof(control));
  const ssize_t n = recvmsg(fd_, &mh, 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      return absl::UnavailableError("no datagram queued");
    }
    return Errno(absl::StrCat("recv on ", ifname_));
  }
  const std::span<const uint8_t> data(buf_.data(), static_cast<size_t>(n));
  if (family_ == net::IpFamily::kV4) {
    // A datagram cut by the buffer would also be cut here; the codec then reports it.
    return ParseIpv4Datagram(data);
  }
  net::IpAddress src, dst;
  int hop_limit = -1;
  src = *net::IpAddress::FromBytes(
      {reinterpret_cast<const uint8_t*>(&reinterpret_cast<sockaddr_in6*>(&from)->sin6_addr), 16});
  for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c != nullptr; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != IPPROTO_IPV6) continue;
    if (c->cmsg_type == IPV6_HOPLIMIT) {
      std::memcpy(&hop_limit, CMSG_DATA(c), sizeof(hop_limit));
    } else if (c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo pi;
      std::memcpy(&pi, CMSG_DATA(c), sizeof(pi));
      dst = *net::IpAddress::FromBytes({reinterpret_cast<const uint8_t*>(&pi.ipi6_addr), 16});
    }
  }
  if (hop_limit < 0 || dst.is_v4()) {
    return absl::InternalError("IPv6 datagram without hop limit or packet info");
  }
  return ParseIpv6Payload(data, src, dst, static_cast<uint8_t>(hop_limit));
}

absl::StatusOr<net::IpAddress> InterfacePrimaryAddress(const std::string& ifname,
                                                       net::IpFamily family,
                                                       const std::vector<net::IpAddress>& exclude) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) < 0) return Errno("getifaddrs");
  std::optional<net::IpAddress> found;
  for (ifaddrs* i = list; i != nullptr && !found; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || ifname != i->ifa_name) continue;
    std::optional<net::IpAddress> a;
    if (family == net::IpFamily::kV4 && i->ifa_addr->sa_family == AF_INET) {
      a = net::IpAddress::FromBytes(
          {reinterpret_cast<const uint8_t*>(&reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr),
           4});
    } else if (family == net::IpFamily::kV6 && i->ifa_addr->sa_family == AF_INET6) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(i->ifa_addr);
      if (!IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr)) continue;
      a = net::IpAddress::FromBytes({reinterpret_cast<const uint8_t*>(&in6->sin6_addr), 16});
    }
    if (a && std::find(exclude.begin(), exclude.end(), *a) == exclude.end()) found = a;
  }
  freeifaddrs(list);
  if (!found) {
    return absl::FailedPreconditionError(
        absl::StrCat(ifname, " has no ", family == net::IpFamily::kV4 ? "IPv4" : "IPv6 link-local",
                     " address to send adverts from"));
  }
  return *found;
}

}  // namespace lvs::vrrp
