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
        case 0: text[pos] = static_cast<char>(rng() % 256); break;
        case 1: text.erase(pos, 1 + rng() % 10); break;
        default: text.insert(pos, std::string(1, "{}\"'$#!\\\n"[rng() % 9])); break;
      }
      if (text.empty()) text = "x";
    }
    ParseResult r = ParseString(text, "mangled.conf", ParseOptions{.allow_includes = false});
    for (const auto& d : r.diagnostics) CHECK(d.location().line() >= 1);
  }
}

}  // namespace
}  // namespace lvs::config

namespace lvs::config {
namespace {

TEST_CASE("memory is bounded: huge lines and millions of words are refused early") {
  const std::string long_line = "global_defs {\n router_id " + std::string(100'000, 'x') + "\n}\n";
  ParseResult line = ParseString(long_line, "long.conf");
  CHECK_FALSE(line.ok());
  CHECK(FormatDiagnostics(line.diagnostics).find("not a keepalived.conf line") !=
        std::string::npos);
  std::string words;
  for (int i = 0; i < 40'000; ++i) words += "a b c d e f g h i j k l m n o p q r s t u v w x y z\n";
  ParseResult many = ParseString(words, "many.conf");
  CHECK_FALSE(many.ok());
  CHECK(FormatDiagnostics(many.diagnostics).find("words: not a keepalived.conf") !=
        std::string::npos);
}

TEST_CASE("an include of a kernel pseudo-file is refused, its content never shown") {
  ParseResult r = ParseString("include /proc/self/environ\n", "/etc/lvs/keepalived.conf");
  CHECK_FALSE(r.ok());
  const std::string text = FormatDiagnostics(r.diagnostics);
  CHECK(text.find("kernel pseudo-file") != std::string::npos);
  CHECK(text.find("PATH=") == std::string::npos);
}

}  // namespace
}  // namespace lvs::config

namespace lvs::config {
namespace {

TEST_CASE("control bytes from the file never reach a diagnostic (or a log) raw") {
  ParseResult r = ParseString("global_defs {\n  \"rout\x1b[31mer\" x\n}\n", "junk.conf");
  const std::string text = FormatDiagnostics(r.diagnostics);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find("\\x1b[31m") != std::string::npos);
}

}  // namespace
}  // namespace lvs::config
