// Announces a VIP's new home: gratuitous ARP (AF_PACKET) for IPv4, unsolicited
// neighbour advertisement (ICMPv6, override flag, hop limit 255) for IPv6, on one
// interface with its own MAC.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/net/ip_address.h"

namespace lvs::vrrp {

class GarpSender {
 public:
  static absl::StatusOr<std::unique_ptr<GarpSender>> Open(const std::string& ifname);
  ~GarpSender();

  // Either a gratuitous ARP or an unsolicited NA, by the address family.
  absl::Status Announce(const net::IpAddress& address);

 private:
  GarpSender(std::string ifname, int ifindex, std::array<uint8_t, 6> mac, int arp_fd, int icmp6_fd)
      : ifname_(std::move(ifname)),
        ifindex_(ifindex),
        mac_(mac),
        arp_fd_(arp_fd),
        icmp6_fd_(icmp6_fd) {}
  absl::Status SendArp(const net::IpAddress& address);
  absl::Status SendNa(const net::IpAddress& address);

  std::string ifname_;
  int ifindex_;
  std::array<uint8_t, 6> mac_;
  int arp_fd_;
  int icmp6_fd_;
};

}  // namespace lvs::vrrp
