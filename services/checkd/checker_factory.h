// Builds the real checkers on one event loop (and one CurlMulti for HTTP).
#pragma once

#include <memory>
#include <random>
#include <set>
#include <string>

#include "lib/event/event_loop.h"
#include "services/checkd/checker.h"
#include "services/checkd/curl_multi.h"
#include "lib/track/tracked_file.h"
#include "services/checkd/file_checker.h"
#include "services/checkd/ping_checker.h"

namespace lvs::checkd {

class LoopCheckerFactory final : public CheckerFactory {
 public:
  static absl::StatusOr<std::unique_ptr<LoopCheckerFactory>> Create(event::EventLoop* loop);
  absl::StatusOr<std::unique_ptr<Checker>> Create(const CheckerSpec& spec) override;

 private:
  LoopCheckerFactory(event::EventLoop* loop, std::unique_ptr<CurlMulti> curl)
      : loop_(loop), curl_(std::move(curl)) {}
  // The shared echo socket of a family, opened by the first PING_CHECK.
  absl::StatusOr<IcmpPinger*> Pinger(bool ipv6);

  event::EventLoop* loop_;
  std::unique_ptr<CurlMulti> curl_;
  std::unique_ptr<IcmpPinger> pinger4_, pinger6_;
  std::unique_ptr<FileWatcher> file_watcher_;
  // track_file init_file is applied once per path per checkd run (keepalived: at
  // start, not on reload), not each time a checker is built.
  std::set<std::string> initialised_files_;
  std::mt19937 dns_ids_{std::random_device{}()};
};

}  // namespace lvs::checkd
