// Turns keepalived.conf files into one token stream: strips comments, expands
// `$NAME=value` parameters and `include` directives, and remembers for every token
// the file, line and column it came from.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "lib/config/diagnostic_sink.h"
#include "lib/config/lexer.h"

namespace lvs::config {

struct PreprocessorLimits {
  int max_include_depth = 16;
  int max_macro_depth = 16;
  size_t max_files = 1000;
  size_t max_file_bytes = 16 << 20;
  // Words in all: the largest real files hold a few ten thousand; a file of millions
  // of words is not a keepalived.conf, and would cost gigabytes to hold.
  size_t max_tokens = 1'000'000;
  // keepalived reads lines of a few KiB; one of this size is not a config line.
  size_t max_line_bytes = 64 << 10;
  // Total bytes that parameter substitution may produce, so that a definition that
  // doubles itself at each level cannot exhaust memory.
  size_t max_expanded_bytes = 16 << 20;
  bool allow_includes = true;
  // keepalived's config-id: "@ID line" is read only when ID matches, "@^ID line"
  // only when it does not.
  std::string config_id;
};

class Preprocessor {
 public:
  Preprocessor(FileTable* files, DiagnosticSink* sink, PreprocessorLimits limits = {});

  // Reads the main file. Fails only when the file itself cannot be read; problems
  // inside it (and in what it includes) go to the sink.
  absl::Status ReadFile(const std::string& path);
  // Reads text that did not come from a file; `name` is used in locations and
  // includes resolve relative to its directory.
  void ReadText(std::string_view text, const std::string& name);

  // All tokens read, ending with one kEnd token.
  std::vector<Token> TakeTokens();

 private:
  struct FileContext {
    int file = -1;
    std::string dir;  // for relative includes and ${_PWD}
    int include_depth = 0;
  };

  void ProcessText(std::string_view text, const FileContext& context);
  void ProcessLine(const SourceLine& line, uint32_t line_number, const FileContext& context,
                   int macro_depth);
  // `first`: where the line's '@' is.
  void ProcessConditional(const SourceLine& line, size_t first, uint32_t line_number,
                          const FileContext& context, int macro_depth);
  void ProcessExpanded(const SourceLine& expanded, const Location& at, uint32_t line_number,
                       const FileContext& context, int macro_depth);
  bool WithinLimits(const SourceLine& line, uint32_t line_number, const FileContext& context);
  bool TryDefine(const SourceLine& line, std::string* value_out, std::string* name_out) const;
  bool ExpandOnce(const SourceLine& line, const FileContext& context, SourceLine& out);
  void EmitTokens(std::vector<Token> tokens, const FileContext& context);
  void Include(const Token& directive, const std::vector<Token>& args, const FileContext& context);
  void IncludeFile(const std::string& path, const Location& at, const FileContext& context);

  FileTable* files_;
  DiagnosticSink* sink_;
  PreprocessorLimits limits_;
  bool too_many_tokens_ = false;
  std::map<std::string, std::string, std::less<>> parameters_;
  std::vector<std::string> include_stack_;  // canonical paths of the files being read
  std::vector<Token> tokens_;
  size_t expanded_bytes_ = 0;
  bool budget_reported_ = false;
};

}  // namespace lvs::config
