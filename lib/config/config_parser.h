// The keepalived.conf parser: text in, lvs::v1::Config plus every warning and
// error out. Safe on any input: bounded include depth, parameter recursion and
// block nesting.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "lvs/v1/config.pb.h"

namespace lvs::config {

inline constexpr char kDefaultConfigPath[] = "/etc/lvs/keepalived.conf";

struct ParseOptions {
  // Off for text of unknown origin (the fuzzer): `include` then is an error.
  bool allow_includes = true;
  // Upper bound on the text that parameter substitution may produce in total.
  size_t max_expanded_bytes = 16 << 20;
  // keepalived's config-id (keepalived -i) for "@ID" conditional lines; unset: the
  // host name up to its first dot, as keepalived.
  std::optional<std::string> config_id;
  // Every warning becomes an error (lvsctl config check --strict, the daemons'
  // --strict-config): for CI of config repositories.
  bool strict = false;
};

struct ParseResult {
  v1::Config config;
  std::vector<v1::Diagnostic> diagnostics;  // in file, line, column order

  size_t error_count() const;
  size_t warning_count() const;
  // True when there is no error (warnings are allowed).
  bool ok() const { return error_count() == 0; }
};

// Fails (NOT_FOUND, PERMISSION_DENIED, INVALID_ARGUMENT) only when `path` itself
// cannot be read; every problem in the text is a diagnostic in the result.
absl::StatusOr<ParseResult> ParseFile(const std::string& path, const ParseOptions& options = {});

// `name` stands for the file name in diagnostics; includes resolve relative to it.
ParseResult ParseString(std::string_view text, const std::string& name = "<string>",
                        const ParseOptions& options = {});

// One "file:line:col: keyword: message" line per diagnostic, each ending in '\n'.
std::string FormatDiagnostics(const std::vector<v1::Diagnostic>& diagnostics);

}  // namespace lvs::config
