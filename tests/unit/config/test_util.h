// Helpers shared by the parser tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

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
