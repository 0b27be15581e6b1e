#include "lib/config/syntax_tree.h"

#include "absl/strings/str_cat.h"

namespace lvs::config {
namespace {

using Kind = Token::Kind;

class TreeBuilder {
 public:
  TreeBuilder(std::vector<Token>& tokens, DiagnosticSink& sink) : tokens_(tokens), sink_(sink) {}

  // Reads statements until the matching '}' (when `open` is set) or the end.
  std::vector<Statement> ReadBlock(const Token* open, int depth) {
    std::vector<Statement> out;
    while (true) {
      const Token& token = Peek();
      switch (token.kind) {
        case Kind::kNewline: ++pos_; continue;
        case Kind::kEnd:
          if (open) {
            sink_.Error(open->location, "syntax", "'{' is never closed (missing '}')");
          }
          return out;
        case Kind::kCloseBrace:
          ++pos_;
          if (open) return out;
          sink_.Error(token.location, "syntax", "'}' without a matching '{'");
          continue;
        case Kind::kOpenBrace: {
          // A block with no keyword in front of it: read and drop it.
          ++pos_;
          sink_.Error(token.location, "syntax", "'{' without a keyword before it");
          ReadChildren(token, depth);
          continue;
        }
        case Kind::kWord: out.push_back(ReadStatement(depth)); continue;
      }
    }
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    const size_t i = pos_ + ahead;
    return i < tokens_.size() ? tokens_[i] : tokens_.back();
  }

  Statement ReadStatement(int depth) {
    Statement statement;
    statement.keyword = std::move(tokens_[pos_++]);
    while (Peek().kind == Kind::kWord) statement.args.push_back(std::move(tokens_[pos_++]));
    // "keyword args" with the '{' alone on the next line opens a block too.
    size_t ahead = 0;
    while (Peek(ahead).kind == Kind::kNewline) ++ahead;
    if (Peek(ahead).kind == Kind::kOpenBrace &&
        (ahead == 0 || Peek(ahead + 1).kind == Kind::kNewline ||
         Peek(ahead + 1).kind == Kind::kEnd)) {
      pos_ += ahead;
      const Token& open = tokens_[pos_++];
      statement.has_block = true;
      statement.block_location = open.location;
      statement.children = ReadChildren(open, depth);
    }
    return statement;
  }

  std::vector<Statement> ReadChildren(const Token& open, int depth) {
    if (depth + 1 < SyntaxTree::kMaxNesting) return ReadBlock(&open, depth + 1);
    sink_.Error(open.location, "syntax",
                absl::StrCat("blocks nested more than ", SyntaxTree::kMaxNesting,
                             " levels deep; block skipped"));
    SkipToClose(open);
    return {};
  }

  // Skips a block without recursion, so that any nesting depth is safe.
  void SkipToClose(const Token& open) {
    int level = 1;
    while (level > 0) {
      const Token& token = Peek();
      if (token.kind == Kind::kEnd) {
        sink_.Error(open.location, "syntax", "'{' is never closed (missing '}')");
        return;
      }
      if (token.kind == Kind::kOpenBrace) ++level;
      if (token.kind == Kind::kCloseBrace) --level;
      ++pos_;
    }
  }

  std::vector<Token>& tokens_;  // words are moved out as they are read
  DiagnosticSink& sink_;
  size_t pos_ = 0;
};

}  // namespace

std::vector<Statement> SyntaxTree::Build(std::vector<Token> tokens, DiagnosticSink& sink) {
  if (tokens.empty()) return {};
  TreeBuilder builder(tokens, sink);
  return builder.ReadBlock(nullptr, 0);
}

}  // namespace lvs::config
