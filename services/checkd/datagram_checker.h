// UDP_CHECK and DNS_CHECK: one datagram out on a connected UDP socket, then the
// first reply the exchange accepts, an ICMP error, or connect_timeout. A
// connected socket is what makes the kernel hand an ICMP port/host/net
// unreachable to this socket (as ECONNREFUSED, EHOSTUNREACH, ENETUNREACH).
#pragma once

#include <memory>

#include "services/checkd/socket_checker.h"
#include "services/checkd/udp_exchange.h"

namespace lvs::checkd {

class DatagramChecker final : public SocketChecker {
 public:
  DatagramChecker(event::EventLoop* loop, const CheckerSpec& spec,
                  std::unique_ptr<DatagramExchange> exchange, size_t receive_size)
      : SocketChecker(loop, spec), exchange_(std::move(exchange)), receive_size_(receive_size) {}
  void Start(Done done) override;

 private:
  void OnEvents(uint32_t events) override;

  std::unique_ptr<DatagramExchange> exchange_;
  const size_t receive_size_;
};

}  // namespace lvs::checkd
