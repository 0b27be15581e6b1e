#include "lib/config/config_parser.h"

#include <unistd.h>

#include <algorithm>

#include "lib/config/config_builder.h"
#include "lib/config/config_validator.h"
#include "lib/config/diagnostic_sink.h"
#include "lib/config/preprocessor.h"
#include "lib/config/syntax_tree.h"

namespace lvs::config {
namespace {

// The stages after reading: tree, meaning, cross-checks.
ParseResult Finish(Preprocessor& preprocessor, FileTable& files, DiagnosticSink& sink,
                   const ParseOptions& options) {
  ParseResult result;
  const std::vector<Statement> statements = SyntaxTree::Build(preprocessor.TakeTokens(), sink);
  ConfigBuilder builder(sink);
  builder.Build(statements, result.config);
  ConfigValidator(sink).Validate(result.config);
  for (const std::string& name : files.names) result.config.add_files(name);
  result.diagnostics = sink.Take();
  if (options.strict) {
    for (v1::Diagnostic& d : result.diagnostics) {
      if (d.severity() != v1::Diagnostic::WARNING) continue;
      d.set_severity(v1::Diagnostic::ERROR);
      d.set_message(d.message() + " [strict]");
    }
  }
  return result;
}

std::string DefaultConfigId() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "";
  std::string id(name);
  return id.substr(0, id.find('.'));
}

PreprocessorLimits LimitsFor(const ParseOptions& options) {
  PreprocessorLimits limits;
  limits.allow_includes = options.allow_includes;
  limits.max_expanded_bytes = options.max_expanded_bytes;
  limits.config_id = options.config_id ? *options.config_id : DefaultConfigId();
  return limits;
}

}  // namespace

size_t ParseResult::error_count() const {
  return std::count_if(diagnostics.begin(), diagnostics.end(), [](const v1::Diagnostic& d) {
    return d.severity() == v1::Diagnostic::ERROR;
  });
}

size_t ParseResult::warning_count() const {
  return std::count_if(diagnostics.begin(), diagnostics.end(), [](const v1::Diagnostic& d) {
    return d.severity() == v1::Diagnostic::WARNING;
  });
}

absl::StatusOr<ParseResult> ParseFile(const std::string& path, const ParseOptions& options) {
  FileTable files;
  DiagnosticSink sink(&files);
  Preprocessor preprocessor(&files, &sink, LimitsFor(options));
  if (absl::Status status = preprocessor.ReadFile(path); !status.ok()) return status;
  return Finish(preprocessor, files, sink, options);
}

ParseResult ParseString(std::string_view text, const std::string& name,
                        const ParseOptions& options) {
  FileTable files;
  DiagnosticSink sink(&files);
  Preprocessor preprocessor(&files, &sink, LimitsFor(options));
  preprocessor.ReadText(text, name);
  return Finish(preprocessor, files, sink, options);
}

std::string FormatDiagnostics(const std::vector<v1::Diagnostic>& diagnostics) {
  std::string out;
  for (const v1::Diagnostic& diagnostic : diagnostics) {
    out += FormatDiagnostic(diagnostic);
    out += '\n';
  }
  return out;
}

}  // namespace lvs::config
