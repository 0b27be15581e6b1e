#include "services/vrrpd/garp_sender.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace lvs::vrrp {
namespace {

absl::Status Errno(const std::string& what) {
  return absl::Status(absl::ErrnoToStatusCode(errno), absl::StrCat(what, ": ", strerror(errno)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<GarpSender>> GarpSender::Open(const std::string& ifname) {
  const int ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
  if (ifindex == 0) return absl::NotFoundError(absl::StrCat("interface ", ifname, " not found"));
  const int arp_fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
  if (arp_fd < 0) return Errno("socket(AF_PACKET)");
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  if (ioctl(arp_fd, SIOCGIFHWADDR, &ifr) < 0) {
    absl::Status s = Errno(absl::StrCat("SIOCGIFHWADDR ", ifname));
    close(arp_fd);
    return s;
  }
  std::array<uint8_t, 6> mac;
  std::memcpy(mac.data(), ifr.ifr_hwaddr.sa_data, 6);
  const int icmp6_fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
  if (icmp6_fd < 0) {
    absl::Status s = Errno("socket(IPPROTO_ICMPV6)");
    close(arp_fd);
    return s;
  }
  int hops = 255;
  setsockopt(icmp6_fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
  setsockopt(icmp6_fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex));
  setsockopt(icmp6_fd, SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(), ifname.size());
  return std::unique_ptr<GarpSender>(new GarpSender(ifname, ifindex, mac, arp_fd, icmp6_fd));
}

GarpSender::~GarpSender() {
  close(arp_fd_);
  close(icmp6_fd_);
}

absl::Status GarpSender::Announce(const net::IpAddress& address) {
  return address.is_v4() ? SendArp(address) : SendNa(address);
}

absl::Status GarpSender::SendArp(const net::IpAddress& address) {
  // Request with sender = target = the VIP and a broadcast target MAC, as keepalived sends.
  std::vector<uint8_t> p = {0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, ARPOP_REQUEST};
  p.insert(p.end(), mac_.begin(), mac_.end());
  p.insert(p.end(), address.bytes().begin(), address.bytes().end());
  p.insert(p.end(), 6, 0xff);
  p.insert(p.end(), address.bytes().begin(), address.bytes().end());
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_ARP);
  to.sll_ifindex = ifindex_;
  to.sll_halen = 6;
  std::memset(to.sll_addr, 0xff, 6);
  if (sendto(arp_fd_, p.data(), p.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) < 0) {
    return Errno(absl::StrCat("gratuitous ARP for ", address.ToString(), " on ", ifname_));
  }
  return absl::OkStatus();
}

absl::Status GarpSender::SendNa(const net::IpAddress& address) {
  // Type 136, override flag, target, target link-layer address option; the kernel
  // fills in the ICMPv6 checksum.
  std::vector<uint8_t> p = {ND_NEIGHBOR_ADVERT, 0, 0, 0, 0x20, 0, 0, 0};
  p.insert(p.end(), address.bytes().begin(), address.bytes().end());
  p.push_back(ND_OPT_TARGET_LINKADDR);
  p.push_back(1);
  p.insert(p.end(), mac_.begin(), mac_.end());
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
  to.sin6_scope_id = ifindex_;
  if (sendto(icmp6_fd_, p.data(), p.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) < 0) {
    return Errno(absl::StrCat("unsolicited NA for ", address.ToString(), " on ", ifname_));
  }
  return absl::OkStatus();
}

}  // namespace lvs::vrrp
