// keepalived's current grammar (tests/fixtures/keepalived_keywords.tsv, read from
// keepalived's *_parser.c files at the commit its first line names): every keyword
// there is implemented by lvs-ha, or listed as accepted without effect
// (UNSUPPORTED.md), or known as obsolete — none is an "unknown keyword". A keyword
// inside a block that lvs-ha skips whole (e.g. bfd_instance) is covered by its block.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/config/config_builder.h"
#include "lib/config/unsupported_keywords.h"

namespace lvs::config {
namespace {

// keepalived's block names that lvs-ha parses, and the Section each is.
const std::map<std::string, Section>& ParsedBlocks() {
  static const std::map<std::string, Section> kBlocks = {
      {"top", Section::kTop},
      {"global_defs", Section::kGlobalDefs},
      {"vrrp_script", Section::kVrrpScript},
      {"vrrp_sync_group", Section::kVrrpSyncGroup},
      {"vrrp_instance", Section::kVrrpInstance},
      {"authentication", Section::kAuthentication},
      {"virtual_server", Section::kVirtualServer},
      {"real_server", Section::kRealServer},
      {"checker", Section::kChecker},
      {"TCP_CHECK", Section::kChecker},
      {"HTTP_GET", Section::kHttpCheck},
      {"url", Section::kUrl},
      {"MISC_CHECK", Section::kMiscCheck},
      {"PING_CHECK", Section::kPingCheck},
      {"UDP_CHECK", Section::kUdpCheck},
      {"DNS_CHECK", Section::kDnsCheck},
      {"SMTP_CHECK", Section::kSmtpCheck},
      {"host", Section::kSmtpHost},
      {"FILE_CHECK", Section::kFileCheck},
      {"track_file", Section::kTrackFile},
      {"SSL", Section::kSsl},
  };
  return kBlocks;
}

// Blocks lvs-ha skips whole (with one warning), and where their opening keyword sits.
const std::map<std::string, std::pair<Section, std::string>>& SkippedBlocks() {
  static const std::map<std::string, std::pair<Section, std::string>> kBlocks = {
      {"auth_hmac", {Section::kVrrpInstance, "auth_hmac"}},
      {"vrrp_track_process", {Section::kTop, "vrrp_track_process"}},
      {"garp_group", {Section::kTop, "garp_group"}},
      {"track_group", {Section::kTop, "track_group"}},
      {"bfd_instance", {Section::kTop, "bfd_instance"}},
      {"BFD_CHECK", {Section::kRealServer, "BFD_CHECK"}},
  };
  return kBlocks;
}

// Read by the preprocessor, not by a keyword table.
bool IsPreprocessorDirective(const std::string& keyword) {
  static const std::set<std::string> kDirectives = {"include",  "includer", "includem", "includew",
                                                    "includeb", "includea", "$",        "@",
                                                    "@^",       "~SEQ",     "~LST"};
  return kDirectives.count(keyword) > 0;
}

TEST_CASE("every keyword of keepalived's grammar is implemented, accepted or obsolete") {
  std::ifstream in(std::string(LVS_SOURCE_DIR) + "/tests/fixtures/keepalived_keywords.tsv");
  REQUIRE(in.good());
  DiagnosticSink sink(nullptr);
  ConfigBuilder builder(sink);
  const auto& implemented = builder.implemented();
  auto in_table = [&](Section section, const std::string& keyword) {
    auto it = implemented.find(section);
    if (it == implemented.end()) return false;
    for (std::string_view name : it->second) {
      if (name == keyword) return true;
    }
    return false;
  };
  auto has = [&](Section section, const std::string& keyword) {
    if (in_table(section, keyword) || IsUnsupported(section, keyword) ||
        Obsolete(section, keyword)) {
      return true;
    }
    // Options common to all checkers are read in the other checker blocks too.
    return TakesCommonCheckerOptions(section) &&
           (in_table(Section::kChecker, keyword) || IsUnsupported(Section::kChecker, keyword));
  };
  std::vector<std::string> missing;
  size_t rows = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    REQUIRE(fields.size() == 2);
    ++rows;
    const std::string& block = fields[0];
    const std::string& keyword = fields[1];
    if (block == "top" && IsPreprocessorDirective(keyword)) continue;
    // A virtual_server_group's entries are addresses, ranges or "fwmark N".
    if (block == "virtual_server_group" && keyword == "fwmark") continue;
    if (auto skipped = SkippedBlocks().find(block); skipped != SkippedBlocks().end()) {
      if (!has(skipped->second.first, skipped->second.second)) {
        missing.push_back(block + " (the block)");
      }
      continue;
    }
    auto parsed = ParsedBlocks().find(block);
    if (parsed == ParsedBlocks().end()) {
      missing.push_back(block + " (a block this test does not know)");
      continue;
    }
    if (!has(parsed->second, keyword)) missing.push_back(block + " " + keyword);
  }
  CHECK(rows > 400);
  INFO("neither implemented nor in lib/config/unsupported_keywords.cc:\n  "
       << absl::StrJoin(missing, "\n  "));
  CHECK(missing.empty());
}

}  // namespace
}  // namespace lvs::config
