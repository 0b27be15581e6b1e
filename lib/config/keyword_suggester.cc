#include "lib/config/keyword_suggester.h"

#include <algorithm>

#include "absl/strings/ascii.h"

namespace lvs::config {

size_t EditDistance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  // Three rows suffice for the transposition rule.
  std::vector<size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (size_t j = 0; j <= m; ++j) prev[j] = j;
  auto lower = [](char c) { return absl::ascii_tolower(static_cast<unsigned char>(c)); };
  for (size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1])) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

std::optional<std::string> SuggestKeyword(std::string_view word,
                                          const std::vector<std::string_view>& candidates) {
  if (word.size() > 64) return std::nullopt;  // not a keyword typo; keep the cost bounded
  const size_t budget = word.size() >= 10 ? 3 : word.size() >= 5 ? 2 : 1;
  std::optional<std::string> best;
  size_t best_distance = budget + 1;
  for (std::string_view candidate : candidates) {
    // The length difference bounds the distance from below; skip hopeless candidates
    // cheaply so that many unknown words stay fast.
    const size_t length_gap = word.size() > candidate.size() ? word.size() - candidate.size()
                                                             : candidate.size() - word.size();
    if (length_gap >= best_distance) continue;
    const size_t distance = EditDistance(word, candidate);
    if (distance < best_distance && distance < std::max(word.size(), candidate.size())) {
      best_distance = distance;
      best = std::string(candidate);
    }
  }
  return best;
}

}  // namespace lvs::config
