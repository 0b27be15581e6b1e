// The seam between the engine and the ways of probing a real server. A Checker
// runs one probe at a time on the event loop; the engine decides when. New kinds
// (DNS, UDP, PING) are a new Checker and a line in CheckerFactory.
#pragma once

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "services/checkd/check_outcome.h"
#include "services/checkd/target_spec.h"

namespace lvs::checkd {

class Checker {
 public:
  using Done = std::function<void(CheckOutcome)>;
  virtual ~Checker() = default;
  // Starts one probe. `done` runs exactly once on the loop thread (possibly before
  // Start returns) unless Cancel() comes first. Latency is measured by the caller.
  virtual void Start(Done done) = 0;
  // Abandons a probe in flight without calling `done`; a no-op when idle.
  virtual void Cancel() = 0;
  // A checker whose subject can change between runs and says so (a tracked
  // file, through inotify) calls `wake` to be run now rather than at its next
  // delay_loop. Called once, before the first Start.
  virtual void SetWake(const std::function<void()>& wake) {}
};

class CheckerFactory {
 public:
  virtual ~CheckerFactory() = default;
  // Fails (INVALID_ARGUMENT) for specs that pass validation but cannot be run
  // here, e.g. a MISC_CHECK user that does not exist.
  virtual absl::StatusOr<std::unique_ptr<Checker>> Create(const CheckerSpec& spec) = 0;
};

}  // namespace lvs::checkd
