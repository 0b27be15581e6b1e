// "did you mean 'priority'?" for a misspelt keyword.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lvs::config {

// Optimal string alignment distance (Levenshtein plus adjacent transpositions),
// ASCII case-insensitive.
size_t EditDistance(std::string_view a, std::string_view b);

// The closest of `candidates` to `word`, if close enough to be a likely typo:
// at most 1 edit for short words, 2 for words of 5+ characters, 3 for 10+.
std::optional<std::string> SuggestKeyword(std::string_view word,
                                          const std::vector<std::string_view>& candidates);

}  // namespace lvs::config
