// Splits one (comment-free, macro-expanded) line of keepalived.conf into tokens.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/config/diagnostic_sink.h"

namespace lvs::config {

struct Token {
  enum class Kind { kWord, kOpenBrace, kCloseBrace, kNewline, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;  // the word with quotes removed and escapes resolved
  Location location;
};

// A line of text where every byte remembers the source column it came from, so that
// text substituted from a macro still points at the macro reference.
struct SourceLine {
  std::string text;
  std::vector<uint32_t> columns;  // same size as text, 1-based

  static SourceLine FromText(std::string_view text, uint32_t first_column = 1);
  SourceLine Substr(size_t pos, size_t len) const;
};

class Lexer {
 public:
  // Appends the tokens of `line` (without a trailing kNewline) to `out`.
  static void Tokenize(const SourceLine& line, int file, uint32_t line_number, DiagnosticSink& sink,
                       std::vector<Token>& out);
};

}  // namespace lvs::config
