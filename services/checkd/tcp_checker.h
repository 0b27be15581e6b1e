// TCP_CHECK: a non-blocking connect on the event loop; connected in time is up.
#pragma once

#include "services/checkd/socket_checker.h"

namespace lvs::checkd {

class TcpChecker final : public SocketChecker {
 public:
  TcpChecker(event::EventLoop* loop, const CheckerSpec& spec) : SocketChecker(loop, spec) {}
  void Start(Done done) override;

 private:
  void OnEvents(uint32_t events) override;
};

}  // namespace lvs::checkd
