// HTTP_GET on the event loop without libcurl: each url in turn on a fresh TCP
// connection, an HttpResponseReader judging the answer. connect_timeout bounds
// the connect and then each wait for the server, as keepalived's does (not the
// whole request). SSL_GET stays on libcurl (HttpChecker), for TLS.
#pragma once

#include <memory>
#include <string>

#include "services/checkd/http_response.h"
#include "services/checkd/socket_checker.h"

namespace lvs::checkd {

class PlainHttpChecker final : public SocketChecker {
 public:
  PlainHttpChecker(event::EventLoop* loop, const CheckerSpec& spec)
      : SocketChecker(loop, spec), urls_(spec_.urls) {}
  ~PlainHttpChecker() override { Cancel(); }
  void Start(Done done) override;

 private:
  void StartUrl();
  void OnEvents(uint32_t events) override;
  void Reset() override { reader_.reset(); }
  // A failed connect or a timeout ends this url (its reason gets the url path), not
  // the whole probe.
  void Failed(CheckOutcome outcome) override { UrlDone(std::move(outcome)); }
  // The url's verdict: the next url, or the checker's verdict.
  void UrlDone(CheckOutcome outcome);

  UrlRound urls_;
  std::unique_ptr<HttpResponseReader> reader_;
  std::string request_;
  size_t sent_ = 0;
};

}  // namespace lvs::checkd
