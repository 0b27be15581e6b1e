// The wall clock as the daemons take it: a function, injected wherever a component
// reads the time of day (timestamps in events, alert mails' Date, overrides' age),
// so tests can hold time still or move it. Durations and deadlines come from the
// event loop's monotonic Now() instead, which a wall-clock step cannot move.
#pragma once

#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace lvs::event {

using WallClock = std::function<absl::Time()>;

inline absl::Time SystemWallClock() { return absl::Now(); }

}  // namespace lvs::event
