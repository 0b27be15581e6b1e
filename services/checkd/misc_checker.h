// MISC_CHECK: runs the script (no shell) in its own session with stdio on
// /dev/null, watches its exit through a pidfd on the loop, and judges the exit
// status. Past the timeout the result is "timed out" at once; the script's process
// group gets SIGTERM, then SIGKILL 2 s later, as keepalived does.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <vector>

#include "lib/event/event_loop.h"
#include "lib/proc/spawn.h"
#include "services/checkd/checker.h"

namespace lvs::checkd {

class MiscChecker final : public Checker {
 public:
  // Resolves misc_user (INVALID_ARGUMENT when unknown).
  static absl::StatusOr<std::unique_ptr<MiscChecker>> Create(event::EventLoop* loop,
                                                             const CheckerSpec& spec);
  ~MiscChecker() override;
  void Start(Done done) override;
  void Cancel() override;

 private:
  struct Child {
    pid_t pid = -1;
    int pidfd = -1;
    event::EventLoop::TimerId timer = 0;
  };
  MiscChecker(event::EventLoop* loop, const CheckerSpec& spec,
              std::optional<proc::Credentials> run_as);
  void OnExit();
  void OnTimeout();
  // Keeps reaping a child whose result is already decided, killing it if need be.
  void Abandon(Child child, int first_signal);
  void Reap(int pidfd);
  void Finish(CheckOutcome outcome);

  event::EventLoop* loop_;
  const CheckerSpec spec_;
  const std::optional<proc::Credentials> run_as_;  // none: checkd's own user
  Child running_;
  std::vector<std::unique_ptr<Child>> abandoned_;
  Done done_;
};

}  // namespace lvs::checkd
