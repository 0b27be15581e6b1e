// Runs scripts (notify, track, hooks) without blocking a daemon's loop: the child is
// spawned at once and reaped through a pidfd on the event loop, so a slow or
// hanging script never delays an advert.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/event/event_loop.h"
#include "lib/proc/spawn.h"
#include "spdlog/logger.h"

namespace lvs::proc {

class ScriptRunner {
 public:
  // exit_status: the exit code, or 128 + signal, or -1 when the spawn failed.
  using Done = std::function<void(int exit_status)>;

  ScriptRunner(event::EventLoop& loop, std::shared_ptr<spdlog::logger> log)
      : loop_(loop), log_(std::move(log)) {}
  ~ScriptRunner();

  // Runs `argv` as `run_as` (none: the daemon's own user) with a clean slate (lib/proc);
  // kills its session after `timeout` (zero: no limit).
  void Run(const std::vector<std::string>& argv, const std::optional<Credentials>& run_as,
           absl::Duration timeout, Done done);
  size_t running() const { return children_.size(); }

 private:
  struct Child {
    int pid;
    int pidfd;
    std::string what;
    Done done;
    event::EventLoop::TimerId timeout_timer = 0;
  };
  void Reap(int pid);

  event::EventLoop& loop_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<std::unique_ptr<Child>> children_;
};

}  // namespace lvs::proc
