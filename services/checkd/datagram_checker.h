// UDP_CHECK and DNS_CHECK: one datagram out on a connected UDP socket, then the
// first reply the exchange accepts, an ICMP error, or connect_timeout. A
// connected socket is what makes the kernel hand an ICMP port/host/net
// unreachable to this socket (as ECONNREFUSED, EHOSTUNREACH, ENETUNREACH).
#pragma once

#include <memory>

#include "lib/event/event_loop.h"
#include "services/checkd/checker.h"
#include "services/checkd/udp_exchange.h"

namespace lvs::checkd {

class DatagramChecker final : public Checker {
 public:
  DatagramChecker(event::EventLoop* loop, const CheckerSpec& spec, std::unique_ptr<DatagramExchange> exchange,
                  size_t receive_size)
      : loop_(loop), spec_(spec), exchange_(std::move(exchange)), receive_size_(receive_size) {}
  ~DatagramChecker() override { Cancel(); }
  void Start(Done done) override;
  void Cancel() override;

 private:
  void OnReadable();
  void Finish(CheckOutcome outcome);

  event::EventLoop* loop_;
  const CheckerSpec spec_;
  std::unique_ptr<DatagramExchange> exchange_;
  const size_t receive_size_;
  int fd_ = -1;
  event::EventLoop::TimerId timer_ = 0;
  Done done_;
};

}  // namespace lvs::checkd
