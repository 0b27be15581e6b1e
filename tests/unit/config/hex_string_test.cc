#include "lib/config/hex_string.h"

#include <catch2/catch.hpp>

namespace lvs::config {
namespace {

using namespace std::string_literals;

TEST_CASE("keepalived's hex strings: pairs, blanks, lone digits") {
  // keepalived.conf(5)'s own example.
  auto b = ParseKeepalivedHex("Ab12f 3 456 546443123", false);
  REQUIRE(b.ok());
  CHECK(b->data == "\xab\x12\x0f\x03\x45\x06\x54\x64\x43\x12\x03"s);
  CHECK(b->ignore_mask.empty());
  CHECK(ParseKeepalivedHex("  00\t01 ", false)->data == "\x00\x01"s);
}

TEST_CASE("X nibbles are wildcards only where allowed") {
  auto b = ParseKeepalivedHex("5x X0 xx", true);
  REQUIRE(b.ok());
  CHECK(b->data == "\x50\x00\x00"s);
  CHECK(b->ignore_mask == "\x0f\xf0\xff"s);
  CHECK_FALSE(ParseKeepalivedHex("5x", false).ok());
}

TEST_CASE("not hex, or nothing, is refused with the place") {
  auto b = ParseKeepalivedHex("12 0g", false);
  REQUIRE_FALSE(b.ok());
  CHECK(b.status().message() == "'g' at offset 4 is not a hex digit");
  CHECK_FALSE(ParseKeepalivedHex("   ", true).ok());
  CHECK_FALSE(ParseKeepalivedHex("0x41", false).ok());  // no 0x prefix in this format
}

}  // namespace
}  // namespace lvs::config
