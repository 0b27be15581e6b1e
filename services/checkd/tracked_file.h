// FILE_CHECK's pure rules: a tracked file's text to a number, and the number to
// a verdict and weight, as keepalived's trackers/track_file.c reads them.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"
#include "services/checkd/check_outcome.h"

namespace lvs::checkd {

// strtol(text, base 0) of the first 127 bytes: "0x10" is 16, "010" is 8, leading
// blanks and trailing junk are fine, no number at all is 0. Nothing for a number
// outside INT32_MIN..INT32_MAX+1 (keepalived logs it and keeps the last value).
std::optional<int64_t> ParseTrackedFileValue(absl::string_view text);

// weight 0: a non-zero value is down (reverse: a zero value is down), the real
// server keeps its weight. Otherwise value x weight (negated by reverse), clamped
// to 32 bits, is added to `base_weight`: the sum (clamped to 0..INT32_MAX) is the
// weight, and only an offset at INT32_MIN is down.
CheckOutcome JudgeTrackedFile(int64_t value, int32_t weight, bool reverse, int32_t base_weight);

}  // namespace lvs::checkd
