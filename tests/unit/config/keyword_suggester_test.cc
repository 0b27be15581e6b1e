#include "lib/config/keyword_suggester.h"

#include <catch2/catch.hpp>

namespace lvs::config {
namespace {

TEST_CASE("edit distance counts insertions, deletions, substitutions, transpositions") {
  CHECK(EditDistance("priority", "priority") == 0);
  CHECK(EditDistance("priorty", "priority") == 1);
  CHECK(EditDistance("prioirty", "priority") == 1);
  CHECK(EditDistance("PRIORITY", "priority") == 0);
  CHECK(EditDistance("", "abc") == 3);
  CHECK(EditDistance("kitten", "sitting") == 3);
}

TEST_CASE("suggestions are offered only for close words") {
  const std::vector<std::string_view> words = {
      "priority", "preempt_delay", "interface", "virtual_router_id", "rr", "wrr"};
  CHECK(SuggestKeyword("priorty", words) == "priority");
  CHECK(SuggestKeyword("interfcae", words) == "interface");
  CHECK(SuggestKeyword("virtual_routerid", words) == "virtual_router_id");
  CHECK(SuggestKeyword("completely_different", words) == std::nullopt);
  CHECK(SuggestKeyword("x", words) == std::nullopt);
  CHECK(SuggestKeyword(std::string(1000, 'a'), words) == std::nullopt);
}

}  // namespace
}  // namespace lvs::config
