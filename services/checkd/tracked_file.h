// FILE_CHECK's pure rule: a tracked file's number to a verdict and weight, as keepalived's
// trackers/track_file.c reads them.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"
#include "lib/track/tracked_file.h"
#include "services/checkd/check_outcome.h"

namespace lvs::checkd {

using track::ParseTrackedFileValue;  // the text to a number: lib/track

// weight 0: a non-zero value is down (reverse: a zero value is down), the real
// server keeps its weight. Otherwise value x weight (negated by reverse), clamped
// to 32 bits, is added to `base_weight`: the sum (clamped to 0..INT32_MAX) is the
// weight, and only an offset at INT32_MIN is down.
CheckOutcome JudgeTrackedFile(int64_t value, int32_t weight, bool reverse, int32_t base_weight);

}  // namespace lvs::checkd
