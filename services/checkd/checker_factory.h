// Builds the real checkers on one event loop (and one CurlMulti for HTTP).
#pragma once

#include <memory>

#include "lib/event/event_loop.h"
#include "services/checkd/checker.h"
#include "services/checkd/curl_multi.h"

namespace lvs::checkd {

class LoopCheckerFactory final : public CheckerFactory {
 public:
  static absl::StatusOr<std::unique_ptr<LoopCheckerFactory>> Create(event::EventLoop* loop);
  absl::StatusOr<std::unique_ptr<Checker>> Create(const CheckerSpec& spec) override;

 private:
  LoopCheckerFactory(event::EventLoop* loop, std::unique_ptr<CurlMulti> curl)
      : loop_(loop), curl_(std::move(curl)) {}
  event::EventLoop* loop_;
  std::unique_ptr<CurlMulti> curl_;
};

}  // namespace lvs::checkd
