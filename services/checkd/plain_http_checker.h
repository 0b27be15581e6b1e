// HTTP_GET on the event loop without libcurl: each url in turn on a fresh TCP
// connection, an HttpResponseReader judging the answer. connect_timeout bounds
// the connect and then each wait for the server, as keepalived's does (not the
// whole request). SSL_GET stays on libcurl (HttpChecker), for TLS.
#pragma once

#include <memory>

#include "lib/event/event_loop.h"
#include "services/checkd/checker.h"
#include "services/checkd/http_response.h"

namespace lvs::checkd {

class PlainHttpChecker final : public Checker {
 public:
  PlainHttpChecker(event::EventLoop* loop, const CheckerSpec& spec) : loop_(loop), spec_(spec) {}
  ~PlainHttpChecker() override { Cancel(); }
  void Start(Done done) override;
  void Cancel() override;

 private:
  void StartUrl();
  void OnEvents(uint32_t events);
  void Arm(const char* waiting_for);
  // The url's verdict: the next url, or the checker's verdict.
  void UrlDone(CheckOutcome outcome);
  void Finish(CheckOutcome outcome);
  void CloseSocket();

  event::EventLoop* loop_;
  const CheckerSpec spec_;
  size_t url_index_ = 0;
  std::unique_ptr<HttpResponseReader> reader_;
  std::string request_;
  size_t sent_ = 0;
  int fd_ = -1;
  bool connected_ = false;
  event::EventLoop::TimerId timer_ = 0;
  Done done_;
};

}  // namespace lvs::checkd
