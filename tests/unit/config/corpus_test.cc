// Real keepalived.conf files from public repositories (tests/fixtures/keepalived-corpus,
// MANIFEST.tsv says where each came from): every file keepalived runs loads, and the
// daemons' own start-up accepts it (vrrpd's instance specs, ipvsd's services); every
// file that cannot be read unambiguously is refused with a location. The per-file
// warning counts are printed, so a change in what lvs-ha says about real files shows.
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_split.h"
#include "lib/config/config_fix.h"
#include "services/checkd/target_spec.h"
#include "services/ipvsd/service_config.h"
#include "services/vrrpd/vrrp_instance_spec.h"
#include "tests/unit/config/test_util.h"

namespace lvs::config {
namespace {

struct CorpusFile {
  std::string name;
  std::string repo;
  bool must_load = false;
};

std::string CorpusDir() {
  return std::string(LVS_SOURCE_DIR) + "/tests/fixtures/keepalived-corpus";
}

std::vector<CorpusFile> Manifest() {
  std::vector<CorpusFile> out;
  std::ifstream in(CorpusDir() + "/MANIFEST.tsv");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    if (fields.size() < 7) continue;
    out.push_back({fields[0], fields[1], fields[6] == "load"});
  }
  return out;
}

TEST_CASE("real keepalived.conf files: what keepalived runs loads, the rest is refused") {
  const std::vector<CorpusFile> files = Manifest();
  REQUIRE(files.size() >= 90);
  size_t loaded = 0, refused = 0, warnings = 0;
  for (const CorpusFile& file : files) {
    const std::string path = CorpusDir() + "/" + file.name;
    // A config-id no file uses: "@host" lines are read as on some other machine.
    absl::StatusOr<ParseResult> r = ParseFile(path, ParseOptions{.config_id = "lvs-ha-corpus"});
    REQUIRE(r.ok());
    INFO(file.name << " (" << file.repo << ")\n" << FormatDiagnostics(r->diagnostics));
    std::printf("%s  %-5s  %2zu errors  %3zu warnings  %s\n", file.name.c_str(),
                r->ok() ? "load" : "refused", r->error_count(), r->warning_count(),
                file.repo.c_str());
    warnings += r->warning_count();
    for (const auto& d : r->diagnostics) {
      CHECK(d.location().line() >= 1);
      CHECK(d.location().column() >= 1);
    }
    if (file.must_load) {
      CHECK(r->ok());
      if (!r->ok()) continue;
      ++loaded;
      // What the daemons do with the parsed file at start: it must be accepted.
      const auto specs = vrrp::InstanceSpecsFromConfig(r->config);
      CHECK(specs.ok());
      if (!specs.ok()) UNSCOPED_INFO(specs.status().ToString());
      const auto services = ipvs::ServicesFromConfig(r->config);
      CHECK(services.ok());
      if (!services.ok()) UNSCOPED_INFO(services.status().ToString());
      // checkd's side: every real's checkers, as ipvsd sends them, are accepted.
      for (const v1::VirtualServer& vs : r->config.virtual_servers()) {
        for (const v1::RealServer& rs : vs.real_servers()) {
          if (rs.checkers_size() == 0) continue;
          v1::CheckTarget t;
          t.set_id(rs.address());
          t.set_address(rs.address());
          t.set_port(rs.port());
          t.set_delay_loop_ms(rs.delay_loop_ms());
          for (const v1::Checker& c : rs.checkers()) *t.add_checkers() = c;
          const auto target = checkd::TargetSpec::FromProto(t);
          CHECK(target.ok());
          if (!target.ok()) UNSCOPED_INFO(target.status().ToString());
        }
      }
    } else {
      CHECK_FALSE(r->ok());
      ++refused;
    }
  }
  std::printf("corpus: %zu files load, %zu refused, %zu warnings in all\n", loaded, refused,
              warnings);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// lvsctl config fix on real files: the fixed file still loads, means the same to the
// daemons, and passes --strict whenever every warning had a mechanical fix.
TEST_CASE("config fix on real files: still loads, and strict-clean when all was mechanical") {
  size_t changed = 0, strict_clean = 0, mechanical_only = 0;
  for (const CorpusFile& file : Manifest()) {
    if (!file.must_load) continue;
    const std::string path = CorpusDir() + "/" + file.name;
    const ParseOptions options{.config_id = "lvs-ha-corpus"};
    absl::StatusOr<ParseResult> before = ParseFile(path, options);
    REQUIRE(before.ok());
    const FixResult fix = FixConfig(path, ReadAll(path), [&](const std::string& text) {
      return ParseString(text, path, options).diagnostics;
    });
    if (fix.diff.empty()) continue;
    ++changed;
    INFO(file.name << "\n" << fix.diff);
    ParseResult after = ParseString(fix.text, path, options);
    INFO(FormatDiagnostics(after.diagnostics));
    REQUIRE(after.ok());
    // What the daemons run is unchanged (locations aside).
    auto specs_before = vrrp::InstanceSpecsFromConfig(before->config);
    auto specs_after = vrrp::InstanceSpecsFromConfig(after.config);
    REQUIRE((specs_before.ok() && specs_after.ok()));
    REQUIRE(specs_before->size() == specs_after->size());
    for (size_t i = 0; i < specs_before->size(); ++i) {
      CHECK((*specs_before)[i].vrrp.priority == (*specs_after)[i].vrrp.priority);
      CHECK((*specs_before)[i].vips.size() == (*specs_after)[i].vips.size());
      CHECK((*specs_before)[i].track_scripts.size() == (*specs_after)[i].track_scripts.size());
    }
    CHECK(before->config.virtual_servers_size() == after.config.virtual_servers_size());
    if (fix.left.empty()) {
      ++mechanical_only;
      ParseResult strict =
          ParseString(fix.text, path, {.config_id = "lvs-ha-corpus", .strict = true});
      INFO(FormatDiagnostics(strict.diagnostics));
      CHECK(strict.ok());
      strict_clean += strict.ok();
    }
  }
  std::printf(
      "config fix: %zu files changed, %zu had only mechanical problems, %zu of them pass "
      "--strict after the fix\n",
      changed, mechanical_only, strict_clean);
  CHECK(changed > 20);
}

}  // namespace
}  // namespace lvs::config
