// SMTP_CHECK: a TCP connection that holds an SmtpDialogue. connect_timeout bounds
// the connect and then each wait for a reply, as keepalived's does.
#pragma once

#include <memory>

#include "services/checkd/smtp_dialogue.h"
#include "services/checkd/socket_checker.h"

namespace lvs::checkd {

class SmtpChecker final : public SocketChecker {
 public:
  SmtpChecker(event::EventLoop* loop, const CheckerSpec& spec) : SocketChecker(loop, spec) {}
  ~SmtpChecker() override { Cancel(); }
  void Start(Done done) override;

 private:
  void OnEvents(uint32_t events) override;
  void Reset() override { dialogue_.reset(); }

  std::unique_ptr<SmtpDialogue> dialogue_;
};

}  // namespace lvs::checkd
