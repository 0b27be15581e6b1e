#include "lib/config/diagnostic_sink.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace lvs::config {
namespace {

std::string EscapeControl(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

void DiagnosticSink::Error(const Location& at, std::string_view keyword,
                           const std::string& message) {
  ++error_count_;
  Add(v1::Diagnostic::ERROR, at, keyword, message);
}

void DiagnosticSink::Warning(const Location& at, std::string_view keyword,
                             const std::string& message) {
  Add(v1::Diagnostic::WARNING, at, keyword, message);
}

void DiagnosticSink::Warning(const Location& at, std::string_view keyword,
                             const std::string& message, v1::TextEdit fix) {
  *Add(v1::Diagnostic::WARNING, at, keyword, message).mutable_fix() = std::move(fix);
}

v1::SourceLocation DiagnosticSink::ToProto(const Location& at) const {
  v1::SourceLocation location;
  if (at.file >= 0 && static_cast<size_t>(at.file) < files_->names.size()) {
    location.set_file(files_->names[at.file]);
  }
  location.set_line(at.line);
  location.set_column(at.column);
  return location;
}

Location DiagnosticSink::FromProto(const v1::SourceLocation& location) const {
  Location at{-1, location.line(), location.column()};
  const auto& names = files_->names;
  auto it = std::find(names.begin(), names.end(), location.file());
  if (it != names.end()) at.file = static_cast<int>(it - names.begin());
  return at;
}

v1::Diagnostic& DiagnosticSink::Add(v1::Diagnostic::Severity severity, const Location& at,
                                    std::string_view keyword, const std::string& message) {
  v1::Diagnostic diagnostic;
  diagnostic.set_severity(severity);
  *diagnostic.mutable_location() = ToProto(at);
  // Config text reaches logs and terminals through these: no control bytes.
  diagnostic.set_keyword(EscapeControl(keyword));
  diagnostic.set_message(EscapeControl(message));
  return diagnostics_.emplace_back(at.file, std::move(diagnostic)).second;
}

std::vector<v1::Diagnostic> DiagnosticSink::Take() {
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(), [](const auto& a, const auto& b) {
    const auto& la = a.second.location();
    const auto& lb = b.second.location();
    if (a.first != b.first) return a.first < b.first;
    if (la.line() != lb.line()) return la.line() < lb.line();
    return la.column() < lb.column();
  });
  std::vector<v1::Diagnostic> out;
  out.reserve(diagnostics_.size());
  for (auto& [file, diagnostic] : diagnostics_) out.push_back(std::move(diagnostic));
  diagnostics_.clear();
  error_count_ = 0;
  return out;
}

std::string FormatDiagnostic(const v1::Diagnostic& diagnostic) {
  const auto& at = diagnostic.location();
  std::string out = absl::StrCat(at.file(), ":", at.line(), ":", at.column(), ": ");
  if (!diagnostic.keyword().empty()) absl::StrAppend(&out, diagnostic.keyword(), ": ");
  if (diagnostic.severity() == v1::Diagnostic::WARNING) absl::StrAppend(&out, "warning: ");
  absl::StrAppend(&out, diagnostic.message());
  return out;
}

std::string FirstError(const google::protobuf::RepeatedPtrField<v1::Diagnostic>& diagnostics) {
  const v1::Diagnostic* first = nullptr;
  int errors = 0;
  for (const v1::Diagnostic& d : diagnostics) {
    if (d.severity() != v1::Diagnostic::ERROR) continue;
    if (first == nullptr) first = &d;
    ++errors;
  }
  if (first == nullptr) return "";
  std::string line = FormatDiagnostic(*first);
  while (!line.empty() && line.back() == '\n') line.pop_back();
  if (errors == 1) return line;
  return absl::StrCat(errors, " errors, the first: ", line);
}

}  // namespace lvs::config
