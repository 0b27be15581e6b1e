// checkd's verdicts as ipvsd holds them: changes only, and ha_suspend's rules
// (keepalived's check_api.c): no probing while the address is absent, the last state
// kept meanwhile, and after the return until a real verdict.
#include <catch2/catch.hpp>

#include "lib/config/config_parser.h"
#include "services/ipvsd/health_inputs.h"

namespace lvs::ipvs {
namespace {

const char* kConfig = R"(
virtual_server 10.0.0.100 80 {
  ha_suspend
  real_server 10.0.0.2 80 {
    TCP_CHECK {
    }
  }
}
virtual_server 10.0.0.101 80 {
  real_server 10.0.0.3 80 {
    TCP_CHECK {
    }
  }
}
)";

std::vector<ServiceConfig> Services() {
  auto r = config::ParseString(kConfig, "h.conf");
  REQUIRE(r.ok());
  auto s = ServicesFromConfig(r.config);
  REQUIRE(s.ok());
  return *s;
}

lvs::v1::HealthEvent Event(const std::string& id, bool up, bool checked = true,
                           bool removed = false) {
  lvs::v1::HealthEvent e;
  e.set_id(id);
  e.set_up(up);
  e.set_weight(-1);
  e.set_checked(checked);
  e.set_removed(removed);
  return e;
}

const std::string kSuspendable = "TCP 10.0.0.100:80 -> 10.0.0.2:80";
const std::string kPlain = "TCP 10.0.0.101:80 -> 10.0.0.3:80";

net::IpAddress Ip(const char* s) { return *net::IpAddress::Parse(s); }

TEST_CASE("health inputs: a verdict is a change once; a repeat is none") {
  const auto services = Services();
  HealthInputs in;
  in.SetServices(services);
  auto v = in.OnHealth(Event(kPlain, false));
  REQUIRE(v);
  CHECK(v->service.addr == Ip("10.0.0.101"));
  CHECK_FALSE(in.OnHealth(Event(kPlain, false)));
  CHECK(in.OnHealth(Event(kPlain, true)));
  CHECK_FALSE(in.OnHealth(Event("TCP 10.9.9.9:80 -> 10.0.0.3:80", false)));  // not in the config
}

TEST_CASE("health inputs: ha_suspend follows the address, and holds the state across") {
  const auto services = Services();
  HealthInputs in;
  auto changes = in.SetServices(services);
  // No address known yet: suspended.
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].suspended);
  CHECK(in.suspended(services[0].spec.key));
  CHECK_FALSE(in.suspended(services[1].spec.key));

  changes = in.SetLocalAddresses({Ip("10.0.0.100")});
  REQUIRE(changes.size() == 1);
  CHECK_FALSE(changes[0].suspended);
  // The first verdict after resuming counts, checked or not, when nothing is known.
  REQUIRE(in.OnHealth(Event(kSuspendable, false)));
  CHECK_FALSE(in.health().at(kSuspendable).up);

  // The address leaves: checkd drops the target, its state stays.
  REQUIRE(in.SetLocalAddresses({}).size() == 1);
  CHECK_FALSE(in.OnHealth(Event(kSuspendable, false, true, /*removed=*/true)));
  REQUIRE(in.health().count(kSuspendable));
  CHECK_FALSE(in.health().at(kSuspendable).up);

  // It returns: checkd's fresh target says "up, not checked yet": not a verdict.
  in.SetLocalAddresses({Ip("10.0.0.100")});
  CHECK_FALSE(in.OnHealth(Event(kSuspendable, true, /*checked=*/false)));
  CHECK_FALSE(in.health().at(kSuspendable).up);
  // The first real one decides.
  CHECK(in.OnHealth(Event(kSuspendable, true, true)));
  CHECK(in.health().at(kSuspendable).up);
}

TEST_CASE("health inputs: a removed target of a service not suspended forgets its state") {
  const auto services = Services();
  HealthInputs in;
  in.SetServices(services);
  in.OnHealth(Event(kPlain, false));
  in.OnHealth(Event(kPlain, false, true, true));
  CHECK(in.health().count(kPlain) == 0);
}

}  // namespace
}  // namespace lvs::ipvs
