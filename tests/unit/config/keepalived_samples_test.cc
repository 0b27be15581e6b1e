// The sample configurations shipped with keepalived itself (Debian's keepalived
// package, /usr/share/doc/keepalived/samples) load: what keepalived documents is
// implemented or accepted with warnings. The one sample with IPsec AH authentication
// (which lvs-ha does not implement) is refused: running it without AH would not
// interoperate with its keepalived peers.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/unit/config/test_util.h"

namespace lvs::config {
namespace {

constexpr char kSamples[] = "/usr/share/doc/keepalived/samples";

TEST_CASE("keepalived's own sample configs load") {
  REQUIRE(std::filesystem::is_directory(kSamples));  // keepalived is a test dependency
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(kSamples)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("keepalived.conf.", 0) == 0) files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 20);
  for (const std::string& file : files) {
    SECTION(std::filesystem::path(file).filename().string()) {
      // The conditional sample is written for "keepalived -i high" (or low).
      absl::StatusOr<ParseResult> r = ParseFile(file, ParseOptions{.config_id = "high"});
      REQUIRE(r.ok());
      INFO(FormatDiagnostics(r->diagnostics));
      if (file.ends_with("keepalived.conf.SSL_GET")) {
        CHECK(testing::Errors(*r) ==
              std::vector<std::string>{
                  "20:19: auth_type: IPsec AH authentication is not implemented in lvs-ha (RFC "
                  "5798 removed it); use PASS or no authentication block"});
      } else {
        CHECK(r->ok());
        CHECK(r->config.vrrp_instances_size() + r->config.virtual_servers_size() > 0);
      }
    }
  }
}

}  // namespace
}  // namespace lvs::config
