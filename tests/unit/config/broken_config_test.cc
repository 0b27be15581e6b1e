// The corpus of broken configs: each file ends with "# expect: LINE:COL: keyword:
// message" comments, and the parser must report exactly those diagnostics, in order,
// all in one run. A file whose expectations are all warnings loads (keepalived would
// run it); any expected error makes it refused.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/unit/config/test_util.h"

namespace lvs::config {
namespace {

std::vector<std::string> ExpectedLines(const std::string& path) {
  static const std::string kPrefix = "# expect: ";
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(kPrefix, 0) == 0) out.push_back(line.substr(kPrefix.size()));
  }
  return out;
}

TEST_CASE("every broken config reports exactly its expected diagnostics") {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(testing::FixturePath("broken"))) {
    if (entry.path().extension() == ".conf") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 15);
  for (const std::string& file : files) {
    SECTION(std::filesystem::path(file).filename().string()) {
      const std::vector<std::string> expected = ExpectedLines(file);
      REQUIRE_FALSE(expected.empty());
      absl::StatusOr<ParseResult> result = ParseFile(file);
      REQUIRE(result.ok());
      const bool refused = std::any_of(expected.begin(), expected.end(), [](const std::string& e) {
        return e.find(": warning: ") == std::string::npos;
      });
      CHECK(result->ok() == !refused);
      CHECK(testing::Lines(*result) == expected);
      for (const auto& d : result->diagnostics) CHECK(d.location().file() == file);
    }
  }
}

TEST_CASE("a misspelt keyword names the file, line, column and the right keyword") {
  const std::string file = testing::FixturePath("broken/misspelt-priority.conf");
  const ParseResult result = testing::ParseReadableFile(file);
  // The misspelling leaves no priority: keepalived then makes a MASTER the owner.
  REQUIRE(result.diagnostics.size() == 2);
  CHECK(result.config.vrrp_instances(0).priority() == 255);
  CHECK(FormatDiagnostic(result.diagnostics[1]) ==
        file +
            ":5:5: priorty: warning: unknown keyword in vrrp_instance; ignored (as keepalived); "
            "did you mean 'priority'?");
  CHECK(result.ok());
}

TEST_CASE("problems do not stop the parse: later blocks are still read") {
  ParseResult r = testing::ParseWithDiagnostics(
      testing::VrrpInstanceText("A", {"interface eth0", "virtual_router_id 300"}, "10.0.0.1", 2) +
          "virtual_server 10.0.0.1 80 {\n"
          "  lb_algo nope\n"
          "  real_server 10.0.0.2 80 {\n"
          "    wieght 2\n"
          "  }\n"
          "}\n",
      "multi.conf",
      {"3:21: virtual_router_id: 300 is out of range 1-255",
       "9:11: lb_algo: warning: 'nope' is not a kernel IPVS scheduler (rr wrr lc wlc lblc lblcr dh "
       "sh sed nq fo ovf mh twos); ignored, wlc is used (as keepalived)",
       "11:5: wieght: warning: unknown keyword in real_server; ignored (as keepalived); did you "
       "mean 'weight'?"});
  CHECK(r.config.virtual_servers(0).lb_algo() == "wlc");
  REQUIRE(r.config.virtual_servers_size() == 1);
  CHECK(r.config.virtual_servers(0).real_servers_size() == 1);
}

TEST_CASE("priority 255 is accepted with a warning about address ownership") {
  ParseResult r = ParseString(
      testing::VrrpInstanceText("A", {"interface eth0", "virtual_router_id 1", "priority 255"},
                                "10.0.0.1", 2),
      "owner.conf");
  CHECK(r.ok());
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(testing::Lines(r)[0].rfind("4:12: priority: warning: 255 means this router owns", 0) == 0);
  CHECK(r.config.vrrp_instances(0).priority() == 255);
}

TEST_CASE("the same VRID on another interface or family is fine") {
  ParseResult r = testing::ParseValid(
      testing::VrrpInstanceText("A", {"interface eth0", "virtual_router_id 7"}, "10.0.0.1") +
          testing::VrrpInstanceText("B", {"interface eth1", "virtual_router_id 7"}, "10.0.1.1") +
          testing::VrrpInstanceText("C", {"interface eth0", "virtual_router_id 7"}, "fd00::1"),
      "vrid.conf");
  CHECK(r.config.vrrp_instances(2).version() == 3);
}

// keepalived's limits: a persistence_timeout over 31 days is ignored (the kernel would
// store it as something else); weights go to 2^31-1.
TEST_CASE("keepalived's limits on persistence_timeout and weight") {
  ParseResult r = testing::ParseWithWarnings(
      "virtual_server 10.0.0.1 80 {\n"
      "  persistence_timeout 2678401\n"
      "  real_server 10.0.0.2 80 {\n"
      "    weight 100000\n"
      "  }\n"
      "}\n",
      "limits.conf",
      {"2:23: persistence_timeout: warning: 2678401 is out of range 1-2678400; ignored (as "
       "keepalived)"});
  CHECK(r.config.virtual_servers(0).persistence_timeout_s() == 0);
  CHECK(r.config.virtual_servers(0).real_servers(0).weight() == 100000);
}

}  // namespace
}  // namespace lvs::config

namespace lvs::config {
namespace {

// The line a refused reload puts on a unit's status: the first error (warnings
// skipped), and how many there were.
TEST_CASE("FirstError names the first error of a refused file and counts them") {
  auto first_error = [](const std::string& text) {
    google::protobuf::RepeatedPtrField<v1::Diagnostic> diagnostics;
    for (const v1::Diagnostic& d : ParseString(text, "f.conf").diagnostics) *diagnostics.Add() = d;
    return FirstError(diagnostics);
  };
  CHECK(first_error("global_defs {\n  router_id LVS1\n}\n").empty());
  CHECK(first_error("global_defs {\n") == "f.conf:1:13: syntax: '{' is never closed (missing '}')");
  CHECK(first_error("global_defs {\n  router_id\n}\nvrrp_instance X {\n") ==
        "3 errors, the first: f.conf:4:15: vrrp_instance: 'X' has no virtual_router_id");
}

}  // namespace
}  // namespace lvs::config
