#include "lib/config/config_fix.h"

#include <algorithm>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "lib/config/diagnostic_sink.h"

namespace lvs::config {
namespace {

constexpr char kNoBreakSpace[] = "\xc2\xa0";
constexpr size_t kContext = 2;
constexpr int kMaxPasses = 4;

// A line of the text being fixed, and the line of the original it came from.
struct Line {
  int origin;  // index in the original; -1: inserted by a fix
  std::string text;
};

struct LineEdit {
  const v1::Diagnostic* diagnostic;
  size_t start;  // byte offset in the line
  size_t end;    // exclusive
};

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

bool Fixable(const v1::Diagnostic& d, const std::string& path, size_t lines) {
  return d.severity() == v1::Diagnostic::WARNING && d.has_fix() && d.location().file() == path &&
         d.location().line() >= 1 && d.location().line() <= lines && d.fix().column() >= 1 &&
         !d.fix().expect().empty();
}

// Applies one line's edits right to left, so earlier columns stay valid. An edit that
// overlaps one already applied, or whose text is not where the parser saw it (it came
// from a parameter's expansion), is left for a person.
std::string ApplyLineEdits(std::string line, std::vector<LineEdit> edits, bool* delete_line,
                           std::vector<const v1::Diagnostic*>* applied,
                           std::vector<const v1::Diagnostic*>* refused) {
  std::sort(edits.begin(), edits.end(),
            [](const LineEdit& a, const LineEdit& b) { return a.start > b.start; });
  size_t applied_from = line.size() + 1;
  for (const LineEdit& e : edits) {
    const v1::TextEdit& fix = e.diagnostic->fix();
    const bool in_place = e.start < line.size() && e.end <= line.size() &&
                          line.compare(e.start, fix.expect().size(), fix.expect()) == 0;
    if (!in_place || e.end > applied_from) {
      refused->push_back(e.diagnostic);
      continue;
    }
    applied->push_back(e.diagnostic);
    if (fix.delete_line()) {
      *delete_line = true;
      continue;
    }
    size_t start = e.start;
    if (fix.replacement().empty()) {
      while (start > 0 && IsBlank(line[start - 1])) --start;
    }
    line.replace(start, e.end - start, fix.replacement());
    applied_from = start;
  }
  return line;
}

std::string Describe(const v1::TextEdit& fix) {
  std::string what;
  if (fix.delete_line()) {
    what = "line removed";
  } else if (fix.replacement().empty()) {
    what = absl::StrCat("'", fix.expect(), "' removed");
  } else {
    what = absl::StrCat("'", fix.expect(), "' -> '", fix.replacement(), "'");
  }
  if (!fix.insert_text().empty()) absl::StrAppend(&what, "; added '", fix.insert_text(), "'");
  return absl::StrCat(fix.reason(), ": ", what);
}

std::string JoinLines(const std::vector<Line>& lines, bool final_newline) {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    out += lines[i].text;
    if (i + 1 < lines.size() || final_newline) out += '\n';
  }
  return out;
}

// Where a line's reasons go: its original line, or for an inserted line the nearest
// original line before it.
int OriginOf(const std::vector<Line>& lines, size_t index) {
  for (size_t i = index + 1; i-- > 0;) {
    if (lines[i].origin >= 0) return lines[i].origin;
  }
  return 0;
}

struct PassResult {
  std::vector<Line> lines;
  size_t applied = 0;
  std::vector<const v1::Diagnostic*> left;
};

PassResult RunPass(const std::string& path, const std::vector<Line>& lines,
                   const std::vector<v1::Diagnostic>& diagnostics,
                   std::map<int, std::vector<std::string>>& reasons) {
  PassResult result;
  std::map<size_t, std::vector<LineEdit>> edits;
  for (const v1::Diagnostic& d : diagnostics) {
    if (!Fixable(d, path, lines.size())) {
      result.left.push_back(&d);
      continue;
    }
    const v1::TextEdit& fix = d.fix();
    const size_t start = fix.column() - 1;
    const size_t end =
        fix.end_column() > fix.column() ? fix.end_column() - 1 : start + fix.expect().size();
    edits[d.location().line() - 1].push_back({&d, start, end});
  }
  // Insertions go after a line of this pass's text (0: before the first line).
  std::map<size_t, std::vector<std::string>> inserts;
  std::vector<bool> deleted(lines.size(), false);
  std::vector<std::string> texts;
  texts.reserve(lines.size());
  for (const Line& l : lines) texts.push_back(l.text);
  for (auto& [index, line_edits] : edits) {
    std::vector<const v1::Diagnostic*> applied, refused;
    bool delete_line = false;
    texts[index] = ApplyLineEdits(texts[index], line_edits, &delete_line, &applied, &refused);
    deleted[index] = delete_line;
    for (const v1::Diagnostic* d : applied) {
      if (!d->fix().insert_text().empty()) {
        for (absl::string_view text : absl::StrSplit(d->fix().insert_text(), '\n')) {
          inserts[std::min<size_t>(d->fix().insert_after_line(), lines.size())].push_back(
              std::string(text));
        }
      }
      reasons[OriginOf(lines, index)].push_back(Describe(d->fix()));
      ++result.applied;
    }
    for (const v1::Diagnostic* d : refused) result.left.push_back(d);
  }
  auto insert_after = [&](size_t after) {
    auto it = inserts.find(after);
    if (it == inserts.end()) return;
    for (const std::string& text : it->second) result.lines.push_back({-1, text});
  };
  insert_after(0);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!deleted[i]) result.lines.push_back({lines[i].origin, texts[i]});
    insert_after(i + 1);
  }
  return result;
}

// What each original line became (nullopt: deleted), and the lines inserted after
// each (index i + 1 for original line i; 0: before the first line).
struct LineFates {
  std::vector<std::optional<std::string>> became;
  std::vector<std::vector<std::string>> inserted_after;
};

// The fixed lines' origins say which original line each came from.
LineFates FatesOf(const std::vector<std::string>& original, const std::vector<Line>& fixed) {
  LineFates fates{std::vector<std::optional<std::string>>(original.size()),
                  std::vector<std::vector<std::string>>(original.size() + 1)};
  int last_origin = -1;
  for (const Line& l : fixed) {
    if (l.origin < 0) {
      fates.inserted_after[last_origin + 1].push_back(l.text);
    } else {
      fates.became[l.origin] = l.text;
      last_origin = l.origin;
    }
  }
  return fates;
}

// The original positions where something changes.
std::vector<size_t> Changes(const std::vector<std::string>& original, const LineFates& fates) {
  std::vector<size_t> changes;
  for (size_t i = 0; i < original.size(); ++i) {
    if (!fates.inserted_after[i].empty() || !fates.became[i] || *fates.became[i] != original[i]) {
      changes.push_back(i);
    }
  }
  if (!fates.inserted_after[original.size()].empty()) changes.push_back(original.size());
  return changes;
}

struct Hunk {
  std::string body;
  size_t old_count = 0, new_count = 0;
};

// The hunk of original lines [from, to), with what was inserted before `to`.
Hunk HunkOf(const std::vector<std::string>& original, const LineFates& fates, size_t from,
            size_t to) {
  Hunk hunk;
  for (size_t i = from; i <= to; ++i) {
    for (const std::string& text : fates.inserted_after[i]) {
      absl::StrAppend(&hunk.body, "+", text, "\n");
      ++hunk.new_count;
    }
    if (i == to) break;
    ++hunk.old_count;
    const std::optional<std::string>& became = fates.became[i];
    if (became && *became == original[i]) {
      absl::StrAppend(&hunk.body, " ", original[i], "\n");
      ++hunk.new_count;
      continue;
    }
    absl::StrAppend(&hunk.body, "-", original[i], "\n");
    if (became) {
      absl::StrAppend(&hunk.body, "+", *became, "\n");
      ++hunk.new_count;
    }
  }
  return hunk;
}

// A unified diff of the original against the fixed lines, each hunk after the reasons
// for its changes.
std::string Diff(const std::string& path, const std::vector<std::string>& original,
                 const std::vector<Line>& fixed,
                 const std::map<int, std::vector<std::string>>& reasons) {
  const LineFates fates = FatesOf(original, fixed);
  const std::vector<size_t> changes = Changes(original, fates);
  if (changes.empty()) return "";

  std::string out = absl::StrCat("--- ", path, "\n+++ ", path, "\n");
  long shift = 0;  // new line number minus old line number before the current hunk
  for (size_t next = 0; next < changes.size();) {
    size_t last = next;
    while (last + 1 < changes.size() && changes[last + 1] - changes[last] <= 2 * kContext) ++last;
    const size_t from = changes[next] >= kContext ? changes[next] - kContext : 0;
    const size_t to = std::min(original.size(), changes[last] + kContext + 1);
    const Hunk hunk = HunkOf(original, fates, from, to);
    for (size_t i = from; i < std::max(to, from + 1); ++i) {
      auto it = reasons.find(static_cast<int>(i));
      if (it == reasons.end()) continue;
      for (const std::string& reason : it->second) {
        absl::StrAppend(&out, "# ", i + 1, ": ", reason, "\n");
      }
    }
    absl::StrAppend(&out, "@@ -", from + 1, ",", hunk.old_count, " +",
                    static_cast<long>(from) + 1 + shift, ",", hunk.new_count, " @@\n", hunk.body);
    shift += static_cast<long>(hunk.new_count) - static_cast<long>(hunk.old_count);
    next = last + 1;
  }
  return out;
}

}  // namespace

FixResult FixConfig(const std::string& path, std::string_view original, const ParseText& parse) {
  FixResult result;
  const bool final_newline = !original.empty() && original.back() == '\n';
  const std::string_view body = final_newline ? original.substr(0, original.size() - 1) : original;
  const std::vector<std::string> original_lines =
      absl::StrSplit(absl::string_view(body.data(), body.size()), '\n');

  std::map<int, std::vector<std::string>> reasons;
  std::vector<Line> lines;
  for (size_t i = 0; i < original_lines.size(); ++i) {
    std::string text = original_lines[i];
    if (text.find(kNoBreakSpace) != std::string::npos) {
      text = absl::StrReplaceAll(text, {{kNoBreakSpace, " "}});
      reasons[static_cast<int>(i)].push_back(
          "non-breaking spaces (U+00A0) made plain spaces, as lvs-ha reads them");
    }
    lines.push_back({static_cast<int>(i), std::move(text)});
  }
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    const std::vector<v1::Diagnostic> diagnostics = parse(JoinLines(lines, final_newline));
    PassResult r = RunPass(path, lines, diagnostics, reasons);
    result.fixed += r.applied;
    if (r.applied == 0 || pass + 1 == kMaxPasses) {
      for (const v1::Diagnostic* d : r.left) result.left.push_back(FormatDiagnostic(*d));
      lines = std::move(r.lines);
      break;
    }
    lines = std::move(r.lines);
  }
  result.text = JoinLines(lines, final_newline);
  result.diff = Diff(path, original_lines, lines, reasons);
  return result;
}

}  // namespace lvs::config
