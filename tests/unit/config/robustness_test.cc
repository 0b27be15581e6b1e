// Hostile input ends in diagnostics, never a crash or a hang.
#include <catch2/catch.hpp>
#include <random>

#include "tests/unit/config/test_util.h"

namespace lvs::config {
namespace {

TEST_CASE("deep nesting is bounded") {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "a {\n";
  ParseResult r = ParseString(text, "deep.conf");
  CHECK_FALSE(r.ok());
  ParseResult closing = ParseString(std::string(100000, '}'), "close.conf");
  CHECK_FALSE(closing.ok());
}

TEST_CASE("self-referencing and exponential parameters are bounded") {
  ParseResult self = ParseString("$A=$A\n$A\n", "self.conf");
  CHECK_FALSE(self.ok());
  std::string text;
  for (int i = 0; i < 40; ++i) {
    text += "$P" + std::to_string(i) + "=${P" + std::to_string(i + 1) + "}${P" +
            std::to_string(i + 1) + "}\n";
  }
  text += "$P40=xxxxxxxxxxxxxxxx\nglobal_defs {\n router_id ${P0}\n}\n";
  ParseResult big = ParseString(text, "big.conf");
  CHECK_FALSE(big.ok());
}

TEST_CASE("random bytes and mangled seeds never crash") {
  std::mt19937 rng(12345);
  std::ifstream in(testing::FixturePath("seed-master.conf"));
  const std::string seed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (int round = 0; round < 300; ++round) {
    std::string text = seed;
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text[pos] = static_cast<char>(rng() % 256);
          break;
        case 1:
          text.erase(pos, 1 + rng() % 10);
          break;
        default:
          text.insert(pos, std::string(1, "{}\"'$#!\\\n"[rng() % 9]));
          break;
      }
      if (text.empty()) text = "x";
    }
    ParseResult r = ParseString(text, "mangled.conf", ParseOptions{.allow_includes = false});
    for (const auto& d : r.diagnostics) CHECK(d.location().line() >= 1);
  }
}

}  // namespace
}  // namespace lvs::config
