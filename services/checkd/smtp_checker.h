// SMTP_CHECK: a TCP connection that holds an SmtpDialogue. connect_timeout bounds
// the connect and then each wait for a reply, as keepalived's does.
#pragma once

#include <memory>

#include "lib/event/event_loop.h"
#include "services/checkd/checker.h"
#include "services/checkd/smtp_dialogue.h"

namespace lvs::checkd {

class SmtpChecker final : public Checker {
 public:
  SmtpChecker(event::EventLoop* loop, const CheckerSpec& spec) : loop_(loop), spec_(spec) {}
  ~SmtpChecker() override { Cancel(); }
  void Start(Done done) override;
  void Cancel() override;

 private:
  void OnEvents(uint32_t events);
  void Arm(const char* what);
  void Finish(CheckOutcome outcome);

  event::EventLoop* loop_;
  const CheckerSpec spec_;
  std::unique_ptr<SmtpDialogue> dialogue_;
  int fd_ = -1;
  bool connected_ = false;
  event::EventLoop::TimerId timer_ = 0;
  Done done_;
};

}  // namespace lvs::checkd
