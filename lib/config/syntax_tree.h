// The generic shape of keepalived.conf: statements of words, some followed by a
// `{ ... }` block of further statements. Keyword meaning comes later (ConfigBuilder).
#pragma once

#include <string>
#include <vector>

#include "lib/config/diagnostic_sink.h"
#include "lib/config/lexer.h"

namespace lvs::config {

struct Statement {
  Token keyword;
  std::vector<Token> args;
  bool has_block = false;
  Location block_location;  // the '{'
  std::vector<Statement> children;

  const std::string& name() const { return keyword.text; }
  const Location& location() const { return keyword.location; }
};

class SyntaxTree {
 public:
  static constexpr int kMaxNesting = 32;

  // Builds the top-level statements; unbalanced braces are reported to `sink`.
  static std::vector<Statement> Build(std::vector<Token> tokens, DiagnosticSink& sink);
};

}  // namespace lvs::config
