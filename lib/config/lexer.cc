#include "lib/config/lexer.h"

#include <algorithm>

namespace lvs::config {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }

// U+00A0 in UTF-8: text copied from web pages carries it where a space was meant.
bool IsNoBreakSpace(const std::string& text, size_t i) {
  return i + 1 < text.size() && text[i] == '\xc2' && text[i + 1] == '\xa0';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads up to `max` digits of `base` (8 or 16) from text[i] into `value`; returns how
// many it read.
size_t ReadDigits(const std::string& text, size_t i, size_t max, int base, int& value) {
  size_t n = 0;
  value = 0;
  while (n < max && i + n < text.size()) {
    const int digit = HexValue(text[i + n]);
    if (digit < 0 || digit >= base) break;
    value = value * base + digit;
    ++n;
  }
  return n;
}

// The one-letter escapes, as bash's $'...'.
constexpr std::pair<char, char> kLetterEscapes[] = {{'a', '\a'}, {'b', '\b'}, {'E', '\x1b'},
                                                    {'f', '\f'}, {'n', '\n'}, {'r', '\r'},
                                                    {'t', '\t'}, {'v', '\v'}};

// Resolves the shell-like escape at text[i] (just after the backslash) as keepalived
// does inside quoted strings; returns the number of bytes consumed.
size_t ResolveEscape(const std::string& text, size_t i, std::string& word) {
  if (i >= text.size()) {
    word.push_back('\\');
    return 0;
  }
  const char c = text[i];
  for (const auto& [letter, byte] : kLetterEscapes) {
    if (c == letter) {
      word.push_back(byte);
      return 1;
    }
  }
  int value = 0;
  if (c == 'x') {  // \xH or \xHH
    const size_t n = ReadDigits(text, i + 1, 2, 16, value);
    word.push_back(n == 0 ? 'x' : static_cast<char>(value));
    return n + 1;
  }
  if (c == 'c') {  // \cX: the control character of X
    if (i + 1 < text.size()) {
      word.push_back(static_cast<char>(text[i + 1] & 0x1f));
      return 2;
    }
    word.push_back('c');
    return 1;
  }
  if (c >= '0' && c <= '7') {  // \O to \OOO
    const size_t n = ReadDigits(text, i, 3, 8, value);
    word.push_back(static_cast<char>(value & 0xff));
    return n;
  }
  word.push_back(c);
  return 1;
}

// One line's scan into tokens.
class LineScanner {
 public:
  LineScanner(const SourceLine& line, int file, uint32_t line_number, DiagnosticSink& sink)
      : line_(line), text_(line.text), file_(file), line_number_(line_number), sink_(sink) {}

  void Scan(std::vector<Token>& out);

 private:
  Location At(size_t i) const {
    const uint32_t column =
        line_.columns.empty() ? 1 : line_.columns[std::min(i, line_.columns.size() - 1)];
    return Location{file_, line_number_, column};
  }
  bool EndsWord(size_t i) const {
    const char c = text_[i];
    return IsSpace(c) || c == '\n' || c == '{' || c == '}' || IsNoBreakSpace(text_, i);
  }
  // The word at i_, up to a space, a brace or the end of the line.
  Token ReadWord();
  // The quoted part of a word, from its opening quote at i_, appended to `word`.
  void ReadQuoted(std::string& word);

  const SourceLine& line_;
  const std::string& text_;
  const int file_;
  const uint32_t line_number_;
  DiagnosticSink& sink_;
  size_t i_ = 0;
  bool nbsp_reported_ = false;
};

void LineScanner::Scan(std::vector<Token>& out) {
  while (i_ < text_.size()) {
    const char c = text_[i_];
    if (IsSpace(c)) {
      ++i_;
    } else if (IsNoBreakSpace(text_, i_)) {
      if (!nbsp_reported_) {
        sink_.Warning(At(i_), "syntax",
                      "non-breaking space (U+00A0) read as a space; keepalived reads it as part "
                      "of a word, so replace it with a plain space");
        nbsp_reported_ = true;
      }
      i_ += 2;
    } else if (c == '\n') {
      out.push_back(Token{Token::Kind::kNewline, "", At(i_)});
      ++i_;
    } else if (c == '{' || c == '}') {
      out.push_back(Token{c == '{' ? Token::Kind::kOpenBrace : Token::Kind::kCloseBrace,
                          std::string(1, c), At(i_)});
      ++i_;
    } else {
      out.push_back(ReadWord());
    }
  }
}

Token LineScanner::ReadWord() {
  Token token{Token::Kind::kWord, "", At(i_)};
  while (i_ < text_.size() && !EndsWord(i_)) {
    const char d = text_[i_];
    if (d == '\\' && i_ + 1 < text_.size() && text_[i_ + 1] != '\n') {
      // Outside quotes keepalived's script reader takes a backslash as quoting the
      // next character (`script \"/path\"` is the word "/path" with its quotes).
      token.text.push_back(text_[i_ + 1]);
      i_ += 2;
    } else if (d == '"' || d == '\'') {
      ReadQuoted(token.text);
    } else {
      token.text.push_back(d);
      ++i_;
    }
  }
  return token;
}

void LineScanner::ReadQuoted(std::string& word) {
  const char quote = text_[i_];
  const size_t open = i_++;
  while (i_ < text_.size()) {
    if (text_[i_] == quote) {
      ++i_;
      return;
    }
    if (text_[i_] == '\\') {
      i_ += 1 + ResolveEscape(text_, i_ + 1, word);
    } else {
      word.push_back(text_[i_++]);
    }
  }
  sink_.Error(At(open), "syntax", "unterminated quoted string");
}

}  // namespace

SourceLine SourceLine::FromText(std::string_view text, uint32_t first_column) {
  SourceLine line;
  line.text = std::string(text);
  line.columns.resize(text.size());
  for (size_t i = 0; i < text.size(); ++i) line.columns[i] = first_column + i;
  return line;
}

SourceLine SourceLine::Substr(size_t pos, size_t len) const {
  SourceLine out;
  pos = std::min(pos, text.size());
  len = std::min(len, text.size() - pos);
  out.text = text.substr(pos, len);
  out.columns.assign(columns.begin() + pos, columns.begin() + pos + len);
  return out;
}

void Lexer::Tokenize(const SourceLine& line, int file, uint32_t line_number, DiagnosticSink& sink,
                     std::vector<Token>& out) {
  LineScanner(line, file, line_number, sink).Scan(out);
}

}  // namespace lvs::config
