// Prometheus text exposition format (version 0.0.4), built by the daemons when
// /metrics is scraped. HELP and TYPE are written once per metric family, before
// its first sample, so samples of one family must be added together.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace lvs::runtime {

class MetricsText {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  void Counter(const std::string& name, const std::string& help, const Labels& labels,
               double value) {
    Sample(name, help, "counter", labels, value);
  }
  void Gauge(const std::string& name, const std::string& help, const Labels& labels, double value) {
    Sample(name, help, "gauge", labels, value);
  }
  const std::string& text() const { return out_; }

  static std::string EscapeLabelValue(const std::string& v);

 private:
  void Sample(const std::string& name, const std::string& help, const char* type,
              const Labels& labels, double value);
  std::string out_;
  std::string last_family_;
};

}  // namespace lvs::runtime
