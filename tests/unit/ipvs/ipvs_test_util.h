// Shared fixtures for the ipvsd unit tests: the seed's virtual_server block and
// helpers to build inputs.
#pragma once

#include <string>

#include "lib/config/config_parser.h"
#include "tests/unit/fixtures.h"
#include "services/ipvsd/desired_table.h"
#include "services/ipvsd/service_config.h"

namespace lvs::ipvs::testing {

// The seed's virtual_server, as in tests/fixtures/configs/seed-master.conf.
inline const std::string kSeedVirtualServer = lvs::testing::SeedVirtualServer();

inline std::vector<ServiceConfig> Services(const std::string& text) {
  config::ParseResult r = config::ParseString(text, "test.conf");
  if (!r.ok()) throw std::runtime_error(config::FormatDiagnostics(r.diagnostics));
  auto s = ServicesFromConfig(r.config);
  if (!s.ok()) throw std::runtime_error(std::string(s.status().message()));
  return *s;
}

inline ServiceKey Svc(const std::string& addr, uint16_t port, uint16_t proto = IPPROTO_TCP) {
  net::IpAddress a = *net::IpAddress::Parse(addr);
  return ServiceKey{a.af(), proto, a, port, 0};
}

inline DestKey Real(const std::string& addr, uint16_t port) {
  return DestKey{*net::IpAddress::Parse(addr), port};
}

// The desired table for a config with the given health and overrides.
struct World {
  std::vector<ServiceConfig> services;
  HealthMap health;
  OverrideMap overrides;
  Table actual;
  std::map<ServiceKey, bool> quorum;
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);

  DesiredTable Desired() {
    DesiredTable d = BuildDesiredTable({&services, &health, &overrides, &actual, &quorum, now});
    for (const auto& [k, st] : d.status) quorum[k] = st.quorum_up;
    return d;
  }
};

}  // namespace lvs::ipvs::testing
