#include "lib/runtime/metrics_text.h"

#include <cmath>
#include <cstdio>

namespace lvs::runtime {

std::string MetricsText::EscapeLabelValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void MetricsText::Sample(const std::string& name, const std::string& help, const char* type,
                         const Labels& labels, double value) {
  if (name != last_family_) {
    out_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    last_family_ = name;
  }
  out_ += name;
  if (!labels.empty()) {
    out_ += "{";
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i) out_ += ",";
      out_ += labels[i].first + "=\"" + EscapeLabelValue(labels[i].second) + "\"";
    }
    out_ += "}";
  }
  char buf[64];
  // Integers print without an exponent, so counters stay exact up to 2^53.
  if (std::floor(value) == value && std::fabs(value) < 9.007199254740992e15)
    std::snprintf(buf, sizeof buf, " %.0f\n", value);
  else
    std::snprintf(buf, sizeof buf, " %.9g\n", value);
  out_ += buf;
}

}  // namespace lvs::runtime
