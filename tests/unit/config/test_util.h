// Helpers shared by the parser tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"

#include "lib/config/config_parser.h"
#include "lib/config/diagnostic_sink.h"
#include "tests/unit/fixtures.h"

namespace lvs::config::testing {

// Parses `text` (named `name` in diagnostics) and requires it to load.
inline ParseResult ParseValid(const std::string& text, const std::string& name) {
  ParseResult r = ParseString(text, name);
  INFO(FormatDiagnostics(r.diagnostics));
  REQUIRE(r.ok());
  return r;
}

using lvs::testing::FixturePath;

// Diagnostics formatted without the file name: "line:col: keyword: message".
inline std::vector<std::string> Lines(const ParseResult& result) {
  std::vector<std::string> out;
  for (const auto& d : result.diagnostics) {
    const std::string full = FormatDiagnostic(d);
    out.push_back(full.substr(d.location().file().size() + 1));
  }
  return out;
}

inline std::vector<std::string> Errors(const ParseResult& result) {
  std::vector<std::string> out;
  for (const auto& d : result.diagnostics) {
    if (d.severity() == v1::Diagnostic::ERROR) {
      out.push_back(FormatDiagnostic(d).substr(d.location().file().size() + 1));
    }
  }
  return out;
}

// Parses the file at `path`, which must be readable (whether it loads is the caller's to check).
inline ParseResult ParseReadableFile(const std::string& path) {
  absl::StatusOr<ParseResult> r = ParseFile(path);
  REQUIRE(r.ok());
  return *std::move(r);
}

// Parses `text` (named `name`) and requires exactly the `expected` diagnostics, as Lines
// gives them.
inline ParseResult ParseWithDiagnostics(const std::string& text, const std::string& name,
                                        const std::vector<std::string>& expected) {
  INFO(name);
  ParseResult r = ParseString(text, name);
  CHECK(Lines(r) == expected);
  return r;
}

// The same for a text that loads: the expected diagnostics are warnings.
inline ParseResult ParseWithWarnings(const std::string& text, const std::string& name,
                                     const std::vector<std::string>& expected) {
  ParseResult r = ParseWithDiagnostics(text, name, expected);
  INFO(name);
  CHECK(r.ok());
  return r;
}

// A vrrp_instance block with one virtual address, a keyword a line as the tests write
// one: `keywords` first, then the virtual_ipaddress block; indented by `indent` spaces,
// the address by twice that.
inline std::string VrrpInstanceText(const std::string& name,
                                    const std::vector<std::string>& keywords,
                                    const std::string& vip, int indent = 4) {
  const std::string in(indent, ' ');
  std::string text = "vrrp_instance " + name + " {\n";
  for (const std::string& line : keywords) text += in + line + "\n";
  return text + in + "virtual_ipaddress {\n" + in + in + vip + "\n" + in + "}\n}\n";
}

// The GARP settings global_defs and a vrrp_instance both carry, in one line that a
// CHECK compares whole (and prints whole when it differs).
inline std::string GarpSettings(uint32_t delay_ms, uint32_t repeat, uint32_t refresh_ms,
                                uint32_t refresh_repeat) {
  return absl::StrCat("delay ", delay_ms, " ms, repeat ", repeat, ", refresh ", refresh_ms,
                      " ms, refresh repeat ", refresh_repeat);
}

inline std::string GarpSettings(const v1::GlobalDefs& g) {
  return GarpSettings(g.vrrp_garp_master_delay_ms(), g.vrrp_garp_master_repeat(),
                      g.vrrp_garp_master_refresh_ms(), g.vrrp_garp_master_refresh_repeat());
}

inline std::string GarpSettings(const v1::VrrpInstance& vi) {
  return GarpSettings(vi.garp_master_delay_ms(), vi.garp_master_repeat(),
                      vi.garp_master_refresh_ms(), vi.garp_master_refresh_repeat());
}

// A virtual server's forwarding and scheduling settings in one line.
inline std::string VirtualServerSettings(const v1::VirtualServer& vs) {
  return absl::StrCat(v1::Protocol_Name(vs.protocol()), ", delay_loop ", vs.delay_loop_ms(),
                      " ms, lb_algo ", vs.lb_algo(), ", lb_kind ",
                      v1::ForwardingMethod_Name(vs.lb_kind()), ", persistence_timeout ",
                      vs.persistence_timeout_s(), " s, quorum ", vs.quorum(), ", hysteresis ",
                      vs.hysteresis(), vs.has_sorry_server() ? ", a sorry_server" : "");
}

// A checker's kind, target, timings and retries in one line.
inline std::string CheckerSettings(const v1::Checker& c) {
  const auto* kind = c.GetDescriptor()->FindFieldByNumber(c.kind_case());
  return absl::StrCat(kind ? kind->name() : "no kind", " ", c.connect_ip(), ":", c.connect_port(),
                      ", connect_timeout ", c.connect_timeout_ms(), " ms, retry ", c.retry(),
                      c.retry_set() ? " (set)" : " (default)", ", delay_before_retry ",
                      c.delay_before_retry_ms(), " ms, delay_loop ", c.delay_loop_ms(),
                      " ms, warmup ", c.warmup_ms(), " ms");
}

// A scratch directory removed when the test ends.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "lvs-config-test-XXXXXX");
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string path() const { return path_; }
  std::string Write(const std::string& relative, const std::string& text) const {
    const std::filesystem::path file = std::filesystem::path(path_) / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file.string();
  }

 private:
  std::string path_;
};

}  // namespace lvs::config::testing
