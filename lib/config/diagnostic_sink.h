// Collects the warnings and errors found while reading a keepalived.conf file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lvs/v1/config.pb.h"

namespace lvs::config {

// A position in one of the files read. `file` indexes FileTable::names.
struct Location {
  int file = -1;
  uint32_t line = 0;
  uint32_t column = 0;
};

// The files read so far, the main file first; Location::file points into it.
struct FileTable {
  std::vector<std::string> names;
};

class DiagnosticSink {
 public:
  explicit DiagnosticSink(const FileTable* files) : files_(files) {}

  void Error(const Location& at, std::string_view keyword, const std::string& message);
  void Warning(const Location& at, std::string_view keyword, const std::string& message);
  // A warning with its mechanical fix (see v1::TextEdit).
  void Warning(const Location& at, std::string_view keyword, const std::string& message,
               v1::TextEdit fix);

  bool has_errors() const { return error_count_ > 0; }
  size_t error_count() const { return error_count_; }

  v1::SourceLocation ToProto(const Location& at) const;
  Location FromProto(const v1::SourceLocation& location) const;

  // Diagnostics in file order, then line and column order.
  std::vector<v1::Diagnostic> Take();

 private:
  v1::Diagnostic& Add(v1::Diagnostic::Severity severity, const Location& at,
                      std::string_view keyword, const std::string& message);

  const FileTable* files_;
  std::vector<std::pair<int, v1::Diagnostic>> diagnostics_;  // file index, diagnostic
  size_t error_count_ = 0;
};

// "file:line:col: keyword: message" for errors and
// "file:line:col: keyword: warning: message" for warnings.
std::string FormatDiagnostic(const v1::Diagnostic& diagnostic);
// The first error of a refused load, formatted, and how many there were: the line a
// status or a log names ("2 errors, the first: f.conf:43:20: syntax: ..."); "" if none.
std::string FirstError(const google::protobuf::RepeatedPtrField<v1::Diagnostic>& diagnostics);

}  // namespace lvs::config
