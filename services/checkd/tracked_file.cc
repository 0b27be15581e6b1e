#include "services/checkd/tracked_file.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"

namespace lvs::checkd {

CheckOutcome JudgeTrackedFile(int64_t value, int32_t weight, bool reverse, int32_t base_weight) {
  if (weight == 0) {
    const bool down = (value != 0) != reverse;
    if (down) return CheckOutcome::Down(absl::StrCat("tracked file holds ", value));
    return CheckOutcome::Up(absl::StrCat("tracked file holds ", value));
  }
  const int64_t product = value * weight * (reverse ? -1 : 1);
  const int64_t offset = std::clamp<int64_t>(product, INT32_MIN, INT32_MAX);
  if (offset == INT32_MIN) {
    return CheckOutcome::Down(
        absl::StrCat("tracked file holds ", value, " (x weight ", weight, ": fault)"));
  }
  const auto effective =
      static_cast<int32_t>(std::clamp<int64_t>(int64_t{base_weight} + offset, 0, INT32_MAX));
  return CheckOutcome::Up(absl::StrCat("tracked file holds ", value, " (weight ", effective, ")"),
                          effective);
}

}  // namespace lvs::checkd
