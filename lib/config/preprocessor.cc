#include "lib/config/preprocessor.h"

#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace lvs::config {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }
bool IsNameChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool IsValidName(std::string_view name) {
  if (name.empty() || absl::ascii_isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), IsNameChar);
}

// Removes a '#' or '!' comment, ignoring those inside quoted strings.
std::string_view StripComment(std::string_view line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote) {
      if (c == '\\') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' || c == '!') {
      return line.substr(0, i);
    }
  }
  return line;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (true) {
    const size_t newline = text.find('\n', start);
    if (newline == std::string_view::npos) {
      lines.push_back(text.substr(start));
      return lines;
    }
    lines.push_back(text.substr(start, newline - start));
    start = newline + 1;
  }
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (IsSpace(s.back()) || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool HasWildcard(std::string_view pattern) {
  return pattern.find_first_of("*?[{") != std::string_view::npos;
}

bool IsIncludeDirective(std::string_view word) {
  return word == "include" || word == "includer" || word == "includem" || word == "includew" ||
         word == "includeb" || word == "includea";
}

// Reads a regular file of at most `max_bytes`; devices, FIFOs and directories are
// refused so that a stray include cannot block or read forever.
absl::StatusOr<std::string> ReadRegularFile(const std::string& path, size_t max_bytes) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat("cannot open '", path, "': ", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat("'", path, "' is not a regular file"));
  }
  // /proc and /sys files look regular but are the kernel's (/proc/self/environ would
  // put the environment into diagnostics): a config is never there.
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) != nullptr) {
    const std::string_view r(resolved);
    if (r.rfind("/proc/", 0) == 0 || r.rfind("/sys/", 0) == 0 || r.rfind("/dev/", 0) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", path, "' is a kernel pseudo-file, not a config file"));
    }
  }
  if (static_cast<size_t>(st.st_size) > max_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("'", path, "' is larger than ", max_bytes, " bytes"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot read '", path, "': ", std::strerror(errno)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace

Preprocessor::Preprocessor(FileTable* files, DiagnosticSink* sink, PreprocessorLimits limits)
    : files_(files), sink_(sink), limits_(std::move(limits)) {}

absl::Status Preprocessor::ReadFile(const std::string& path) {
  absl::StatusOr<std::string> content = ReadRegularFile(path, limits_.max_file_bytes);
  if (!content.ok()) return content.status();
  files_->names.push_back(path);
  char resolved[PATH_MAX];
  include_stack_.push_back(realpath(path.c_str(), resolved) ? resolved : path);
  ProcessText(*content, FileContext{static_cast<int>(files_->names.size()) - 1, DirName(path), 0});
  include_stack_.pop_back();
  return absl::OkStatus();
}

void Preprocessor::ReadText(std::string_view text, const std::string& name) {
  files_->names.push_back(name);
  ProcessText(text, FileContext{static_cast<int>(files_->names.size()) - 1, DirName(name), 0});
}

std::vector<Token> Preprocessor::TakeTokens() {
  Location end{0, 1, 1};
  if (!tokens_.empty()) end = tokens_.back().location;
  tokens_.push_back(Token{Token::Kind::kEnd, "", end});
  return std::move(tokens_);
}

void Preprocessor::ProcessText(std::string_view text, const FileContext& context) {
  const std::vector<std::string_view> lines = SplitLines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const uint32_t line_number = static_cast<uint32_t>(i + 1);
    const SourceLine line = SourceLine::FromText(TrimRight(StripComment(lines[i])));
    std::string name, value;
    if (TryDefine(line, &value, &name) && value.ends_with('\\')) {
      // A multi-line definition: every following line ending in '\' continues it.
      std::string full(TrimRight(value.substr(0, value.size() - 1)));
      bool more = true;
      while (more && i + 1 < lines.size()) {
        std::string_view next = TrimRight(StripComment(lines[++i]));
        if (Trim(next).empty()) continue;
        more = next.ends_with('\\');
        if (more) next.remove_suffix(1);
        full += '\n';
        full += next;
      }
      parameters_[name] = std::move(full);
      continue;
    }
    ProcessLine(line, line_number, context, 0);
  }
}

bool Preprocessor::TryDefine(const SourceLine& line, std::string* value_out,
                             std::string* name_out) const {
  const std::string& text = line.text;
  size_t i = 0;
  while (i < text.size() && IsSpace(text[i])) ++i;
  if (i >= text.size() || text[i] != '$') return false;
  size_t j = i + 1;
  while (j < text.size() && IsNameChar(text[j])) ++j;
  if (j >= text.size() || text[j] != '=') return false;
  const std::string name = text.substr(i + 1, j - i - 1);
  if (!IsValidName(name)) return false;
  *name_out = name;
  *value_out = std::string(Trim(std::string_view(text).substr(j + 1)));
  return true;
}

bool Preprocessor::ExpandOnce(const SourceLine& line, const FileContext& context, SourceLine& out) {
  const std::string& text = line.text;
  if (text.find('$') == std::string::npos) return false;
  bool changed = false;
  out = SourceLine{};
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '$') {
      std::string_view name;
      size_t end = 0;
      if (i + 1 < text.size() && text[i + 1] == '{') {
        const size_t close = text.find('}', i + 2);
        if (close != std::string::npos) {
          name = std::string_view(text).substr(i + 2, close - i - 2);
          end = close + 1;
        }
      } else {
        size_t j = i + 1;
        while (j < text.size() && IsNameChar(text[j])) ++j;
        // An unbraced reference must be followed by whitespace or the end of the line.
        if (j == text.size() || IsSpace(text[j])) {
          name = std::string_view(text).substr(i + 1, j - i - 1);
          end = j;
        }
      }
      const std::string* value = nullptr;
      std::string builtin;
      if (IsValidName(name)) {
        if (name == "_PWD") {
          builtin = context.dir;
        } else if (name == "_HASH") {
          builtin = "#";
        } else if (name == "_BANG") {
          builtin = "!";
        } else if (auto it = parameters_.find(name); it != parameters_.end()) {
          value = &it->second;
        }
        if (!value && !builtin.empty()) value = &builtin;
      }
      if (value) {
        out.text.append(*value);
        out.columns.insert(out.columns.end(), value->size(), line.columns[i]);
        i = end;
        changed = true;
        continue;
      }
    }
    out.text.push_back(text[i]);
    out.columns.push_back(line.columns[i]);
    ++i;
  }
  return changed;
}

void Preprocessor::ProcessLine(const SourceLine& line, uint32_t line_number,
                               const FileContext& context, int macro_depth) {
  size_t first = 0;
  while (first < line.text.size() && IsSpace(line.text[first])) ++first;
  if (first == line.text.size()) return;
  const Location at{context.file, line_number, line.columns[first]};
  if (macro_depth > limits_.max_macro_depth) {
    sink_->Error(at, "parameter",
                 absl::StrCat("substitution nested more than ", limits_.max_macro_depth,
                              " levels deep (does a parameter refer to itself?)"));
    return;
  }
  std::string name, value;
  if (TryDefine(line, &value, &name)) {
    parameters_[name] = std::move(value);
    return;
  }
  const std::string_view rest = std::string_view(line.text).substr(first);
  if (rest[0] == '@') {
    ProcessConditional(line, first, line_number, context, macro_depth);
    return;
  }
  if (rest.starts_with("~SEQ") || rest.starts_with("~LST")) {
    const std::string_view word = rest.substr(0, rest.find_first_of(" \t"));
    sink_->Warning(at, word, "sequence and list blocks have no effect in lvs-ha; line ignored");
    return;
  }
  SourceLine expanded;
  if (ExpandOnce(line, context, expanded)) {
    ProcessExpanded(expanded, at, line_number, context, macro_depth);
    return;
  }
  if (!WithinLimits(line, line_number, context)) return;
  std::vector<Token> tokens;
  Lexer::Tokenize(line, context.file, line_number, *sink_, tokens);
  EmitTokens(std::move(tokens), context);
}

// "@ID rest" / "@^ID rest": the rest of the line counts only on the matching router
// (or the others). Nested conditions count as substitution levels, which bounds the
// recursion.
void Preprocessor::ProcessConditional(const SourceLine& line, size_t first, uint32_t line_number,
                                      const FileContext& context, int macro_depth) {
  const bool negated = line.text.size() > first + 1 && line.text[first + 1] == '^';
  const size_t id_start = first + (negated ? 2 : 1);
  size_t id_end = id_start;
  while (id_end < line.text.size() && !IsSpace(line.text[id_end])) ++id_end;
  const std::string_view id = std::string_view(line.text).substr(id_start, id_end - id_start);
  const bool matches = !id.empty() && id == limits_.config_id;
  if (matches != negated) {
    ProcessLine(line.Substr(id_end, std::string::npos), line_number, context, macro_depth + 1);
  }
}

// A line whose parameters were substituted: each of its lines (a multi-line
// parameter), read again, within the budget of substituted bytes.
void Preprocessor::ProcessExpanded(const SourceLine& expanded, const Location& at,
                                   uint32_t line_number, const FileContext& context,
                                   int macro_depth) {
  expanded_bytes_ += expanded.text.size();
  if (expanded_bytes_ > limits_.max_expanded_bytes) {
    if (!budget_reported_) {
      sink_->Error(at, "parameter",
                   absl::StrCat("substitution produced more than ", limits_.max_expanded_bytes,
                                " bytes; stopped"));
      budget_reported_ = true;
    }
    return;
  }
  size_t start = 0;
  while (start <= expanded.text.size()) {
    size_t newline = expanded.text.find('\n', start);
    if (newline == std::string::npos) newline = expanded.text.size();
    ProcessLine(expanded.Substr(start, newline - start), line_number, context, macro_depth + 1);
    start = newline + 1;
  }
}

// A line too long, or one word too many: not a keepalived.conf.
bool Preprocessor::WithinLimits(const SourceLine& line, uint32_t line_number,
                                const FileContext& context) {
  if (line.text.size() > limits_.max_line_bytes) {
    sink_->Error(Location{context.file, line_number, 1}, "syntax",
                 absl::StrCat("line of ", line.text.size(), " bytes (more than ",
                              limits_.max_line_bytes, "): not a keepalived.conf line; skipped"));
    return false;
  }
  if (tokens_.size() >= limits_.max_tokens) {
    if (!too_many_tokens_) {
      sink_->Error(Location{context.file, line_number, 1}, "syntax",
                   absl::StrCat("more than ", limits_.max_tokens,
                                " words: not a keepalived.conf; reading stopped here"));
      too_many_tokens_ = true;
    }
    return false;
  }
  return true;
}

void Preprocessor::EmitTokens(std::vector<Token> tokens, const FileContext& context) {
  if (tokens.empty()) return;
  if (tokens[0].kind == Token::Kind::kWord && IsIncludeDirective(tokens[0].text)) {
    Include(tokens[0], std::vector<Token>(tokens.begin() + 1, tokens.end()), context);
    return;
  }
  Location end = tokens.back().location;
  end.column += tokens.back().text.size();
  for (Token& token : tokens) tokens_.push_back(std::move(token));
  tokens_.push_back(Token{Token::Kind::kNewline, "", end});
}

void Preprocessor::Include(const Token& directive, const std::vector<Token>& args,
                           const FileContext& context) {
  if (!limits_.allow_includes) {
    sink_->Error(directive.location, directive.text, "include is disabled for this parse");
    return;
  }
  if (args.size() != 1 || args[0].kind != Token::Kind::kWord) {
    sink_->Error(directive.location, directive.text, "expects exactly one file name or pattern");
    return;
  }
  if (context.include_depth >= limits_.max_include_depth) {
    sink_->Error(
        directive.location, directive.text,
        absl::StrCat("includes nested more than ", limits_.max_include_depth, " levels deep"));
    return;
  }
  const std::string& pattern = args[0].text;
  const std::string full =
      pattern.starts_with('/') ? pattern : absl::StrCat(context.dir, "/", pattern);
  glob_t matches{};
  const int rc = glob(full.c_str(), GLOB_BRACE, nullptr, &matches);
  std::vector<std::string> paths;
  if (rc == 0) {
    for (size_t i = 0; i < matches.gl_pathc; ++i) paths.emplace_back(matches.gl_pathv[i]);
  }
  globfree(&matches);
  if (rc == GLOB_NOMATCH || rc == GLOB_ABORTED || (rc == 0 && paths.empty())) {
    // As keepalived: a pattern matching nothing (an empty conf.d) is fine, but
    // a plain file name that does not exist is a mistake.
    if (HasWildcard(pattern)) {
      sink_->Warning(args[0].location, directive.text,
                     absl::StrCat("no file matches '", full, "'"));
    } else {
      sink_->Error(args[0].location, directive.text,
                   absl::StrCat("cannot open '", full, "': no such file"));
    }
    return;
  }
  if (rc != 0) {
    sink_->Error(args[0].location, directive.text,
                 absl::StrCat("cannot expand '", full, "': read error"));
    return;
  }
  for (const std::string& path : paths) IncludeFile(path, args[0].location, context);
}

void Preprocessor::IncludeFile(const std::string& path, const Location& at,
                               const FileContext& context) {
  if (files_->names.size() >= limits_.max_files) {
    sink_->Error(at, "include", absl::StrCat("more than ", limits_.max_files, " files included"));
    return;
  }
  char resolved[PATH_MAX];
  const std::string canonical = realpath(path.c_str(), resolved) ? resolved : path;
  if (std::find(include_stack_.begin(), include_stack_.end(), canonical) != include_stack_.end()) {
    sink_->Error(at, "include", absl::StrCat("'", path, "' includes itself"));
    return;
  }
  absl::StatusOr<std::string> content = ReadRegularFile(path, limits_.max_file_bytes);
  if (!content.ok()) {
    sink_->Error(at, "include", std::string(content.status().message()));
    return;
  }
  files_->names.push_back(path);
  include_stack_.push_back(canonical);
  ProcessText(*content, FileContext{static_cast<int>(files_->names.size()) - 1, DirName(path),
                                    context.include_depth + 1});
  include_stack_.pop_back();
}

}  // namespace lvs::config
