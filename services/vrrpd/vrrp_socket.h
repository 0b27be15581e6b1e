// Raw IPPROTO_VRRP (112) socket for one interface and address family: joins the
// VRRP multicast group (224.0.0.18 / ff02::12), sends adverts built by the codec
// and hands received datagrams to the codec. One socket serves every instance on
// the interface; the daemon dispatches by VRID.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/net/ip_address.h"
#include "services/vrrpd/vrrp_packet.h"

namespace lvs::vrrp {

class VrrpSocket {
 public:
  static absl::StatusOr<std::unique_ptr<VrrpSocket>> Open(const std::string& ifname,
                                                          net::IpFamily family);
  ~VrrpSocket();
  VrrpSocket(const VrrpSocket&) = delete;
  VrrpSocket& operator=(const VrrpSocket&) = delete;

  int fd() const { return fd_; }
  net::IpFamily family() const { return family_; }
  const std::string& ifname() const { return ifname_; }
  int ifindex() const { return ifindex_; }

  static net::IpAddress MulticastGroup(net::IpFamily family);

  absl::Status Send(const VrrpAdvert& advert, const net::IpAddress& src, const net::IpAddress& dst);

  // Reads one datagram (non-blocking). Returns kUnavailable when nothing is queued.
  // A datagram the codec refuses comes back as a RejectReason in the result.
  absl::StatusOr<ParseResult> Receive();

 private:
  VrrpSocket(int fd, std::string ifname, int ifindex, net::IpFamily family)
      : fd_(fd), ifname_(std::move(ifname)), ifindex_(ifindex), family_(family) {}

  int fd_;
  std::string ifname_;
  int ifindex_;
  net::IpFamily family_;
  std::vector<uint8_t> buf_ = std::vector<uint8_t>(65536);
};

// The interface's own addresses: the first IPv4 address that is not one of
// `exclude` (keepalived's "primary address") and the IPv6 link-local address.
absl::StatusOr<net::IpAddress> InterfacePrimaryAddress(const std::string& ifname,
                                                       net::IpFamily family,
                                                       const std::vector<net::IpAddress>& exclude);

}  // namespace lvs::vrrp
