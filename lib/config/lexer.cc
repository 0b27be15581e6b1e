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

// Resolves the shell-like escape at text[i] (just after the backslash) as keepalived
// does inside quoted strings; returns the number of bytes consumed.
size_t ResolveEscape(const std::string& text, size_t i, std::string& word) {
  if (i >= text.size()) {
    word.push_back('\\');
    return 0;
  }
  const char c = text[i];
  switch (c) {
    case 'a':
      word.push_back('\a');
      return 1;
    case 'b':
      word.push_back('\b');
      return 1;
    case 'E':
      word.push_back('\x1b');
      return 1;
    case 'f':
      word.push_back('\f');
      return 1;
    case 'n':
      word.push_back('\n');
      return 1;
    case 'r':
      word.push_back('\r');
      return 1;
    case 't':
      word.push_back('\t');
      return 1;
    case 'v':
      word.push_back('\v');
      return 1;
    case 'x': {
      size_t n = 1;
      int value = 0;
      while (n < 3 && i + n < text.size() && HexValue(text[i + n]) >= 0) {
        value = value * 16 + HexValue(text[i + n]);
        ++n;
      }
      if (n == 1) {
        word.push_back('x');
        return 1;
      }
      word.push_back(static_cast<char>(value));
      return n;
    }
    case 'c':
      if (i + 1 < text.size()) {
        word.push_back(static_cast<char>(text[i + 1] & 0x1f));
        return 2;
      }
      word.push_back('c');
      return 1;
    default:
      break;
  }
  if (c >= '0' && c <= '7') {
    size_t n = 0;
    int value = 0;
    while (n < 3 && i + n < text.size() && text[i + n] >= '0' && text[i + n] <= '7') {
      value = value * 8 + (text[i + n] - '0');
      ++n;
    }
    word.push_back(static_cast<char>(value & 0xff));
    return n;
  }
  word.push_back(c);
  return 1;
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
  const std::string& text = line.text;
  auto location_at = [&](size_t i) {
    const uint32_t column =
        line.columns.empty() ? 1 : line.columns[std::min(i, line.columns.size() - 1)];
    return Location{file, line_number, column};
  };
  size_t i = 0;
  bool nbsp_reported = false;
  while (i < text.size()) {
    const char c = text[i];
    if (IsSpace(c)) {
      ++i;
      continue;
    }
    if (IsNoBreakSpace(text, i)) {
      if (!nbsp_reported) {
        sink.Warning(location_at(i), "syntax",
                     "non-breaking space (U+00A0) read as a space; keepalived reads it as part "
                     "of a word, so replace it with a plain space");
        nbsp_reported = true;
      }
      i += 2;
      continue;
    }
    if (c == '\n') {
      out.push_back(Token{Token::Kind::kNewline, "", location_at(i)});
      ++i;
      continue;
    }
    if (c == '{' || c == '}') {
      out.push_back(Token{c == '{' ? Token::Kind::kOpenBrace : Token::Kind::kCloseBrace,
                          std::string(1, c), location_at(i)});
      ++i;
      continue;
    }
    Token token{Token::Kind::kWord, "", location_at(i)};
    while (i < text.size()) {
      const char d = text[i];
      if (IsSpace(d) || d == '\n' || d == '{' || d == '}' || IsNoBreakSpace(text, i)) break;
      if (d == '\\' && i + 1 < text.size() && text[i + 1] != '\n') {
        // Outside quotes keepalived's script reader takes a backslash as quoting the
        // next character (`script \"/path\"` is the word "/path" with its quotes).
        token.text.push_back(text[i + 1]);
        i += 2;
        continue;
      }
      if (d == '"' || d == '\'') {
        const size_t open = i++;
        bool closed = false;
        while (i < text.size()) {
          if (text[i] == d) {
            closed = true;
            ++i;
            break;
          }
          if (text[i] == '\\') {
            i += 1 + ResolveEscape(text, i + 1, token.text);
            continue;
          }
          token.text.push_back(text[i++]);
        }
        if (!closed) {
          sink.Error(location_at(open), "syntax", "unterminated quoted string");
        }
        continue;
      }
      token.text.push_back(d);
      ++i;
    }
    out.push_back(std::move(token));
  }
}

}  // namespace lvs::config
