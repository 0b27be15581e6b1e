// TCP_CHECK: a non-blocking connect on the event loop; connected in time is up.
#pragma once

#include "lib/event/event_loop.h"
#include "services/checkd/checker.h"

namespace lvs::checkd {

class TcpChecker final : public Checker {
 public:
  TcpChecker(event::EventLoop* loop, const CheckerSpec& spec);
  ~TcpChecker() override { Cancel(); }
  void Start(Done done) override;
  void Cancel() override;

 private:
  void OnWritable();
  void Finish(CheckOutcome outcome);

  event::EventLoop* loop_;
  const CheckerSpec spec_;
  int fd_ = -1;
  event::EventLoop::TimerId timer_ = 0;
  Done done_;
};

}  // namespace lvs::checkd
