#include <catch2/catch.hpp>

#include "tests/unit/ipvs/ipvs_test_util.h"

namespace lvs::ipvs {
namespace {

using testing::Real;
using testing::Services;
using testing::Svc;

TEST_CASE("the seed's virtual_server becomes one DR service with two reals") {
  auto services = Services(testing::kSeedVirtualServer);
  REQUIRE(services.size() == 1);
  const ServiceConfig& sc = services[0];
  CHECK(sc.spec.key == Svc("192.168.64.100", 80));
  CHECK(sc.spec.scheduler == "rr");
  CHECK(sc.spec.flags == 0);
  CHECK(sc.spec.timeout_s == 0);
  CHECK(sc.spec.netmask == 0xffffffffu);
  REQUIRE(sc.reals.size() == 2);
  CHECK(sc.reals[0].spec.key == Real("192.168.64.143", 80));
  CHECK(sc.reals[0].spec.forwarding == Forwarding::kDirect);
  CHECK(sc.reals[0].spec.weight == 1);
  CHECK(sc.reals[0].has_checkers);
  CHECK_FALSE(sc.reals[0].alpha);
  CHECK(sc.reals[0].target_id == "TCP 192.168.64.100:80 -> 192.168.64.143:80");
  CHECK(sc.reals[1].spec.key == Real("192.168.64.138", 80));
}

TEST_CASE("persistence, flags, IPv6, UDP and fwmark services") {
  auto services = Services(R"(
virtual_server 10.0.0.1 443 {
  lb_algo sh
  sh-port
  persistence_timeout 300
  persistence_granularity 255.255.255.0
  ops
  protocol UDP
  real_server 10.0.1.1 443 { weight 3 }
}
virtual_server 2001:db8::1 80 {
  lb_algo wlc
  lb_kind NAT
  real_server 2001:db8::10 8080 {
    weight 2
    uthreshold 100
    lthreshold 10
  }
}
virtual_server fwmark 7 {
  lb_algo wrr
  lb_kind TUN
  real_server 10.0.1.2 0 { }
}
)");
  REQUIRE(services.size() == 3);
  const ServiceSpec& udp = services[0].spec;
  CHECK(udp.key.protocol == IPPROTO_UDP);
  CHECK(udp.flags == (kSvcFlagPersistent | kSvcFlagOnePacket | kSvcFlagSched2));
  CHECK(udp.timeout_s == 300);
  CHECK(udp.netmask == htonl(0xffffff00));
  CHECK(services[0].reals[0].spec.forwarding == Forwarding::kNat);
  CHECK_FALSE(services[0].reals[0].has_checkers);

  const ServiceSpec& v6 = services[1].spec;
  CHECK(v6.key.af == AF_INET6);
  CHECK(v6.key.ToString() == "TCP [2001:db8::1]:80");
  CHECK(v6.netmask == 128);
  CHECK(services[1].reals[0].spec.upper_threshold == 100);
  CHECK(services[1].reals[0].spec.lower_threshold == 10);

  const ServiceSpec& fwm = services[2].spec;
  CHECK(fwm.key.is_fwmark());
  CHECK(fwm.key.ToString() == "FWM 7");
  CHECK(services[2].reals[0].spec.forwarding == Forwarding::kTunnel);
}

TEST_CASE("a virtual_server_group expands into one service per entry") {
  auto services = Services(R"(
virtual_server_group web {
  192.168.64.100 80
  192.168.64.101-102 80
}
virtual_server group web {
  lb_algo rr
  lb_kind DR
  real_server 192.168.64.143 80 { weight 1 }
}
)");
  REQUIRE(services.size() == 3);
  CHECK(services[0].spec.key == Svc("192.168.64.100", 80));
  CHECK(services[1].spec.key == Svc("192.168.64.101", 80));
  CHECK(services[2].spec.key == Svc("192.168.64.102", 80));
  CHECK(services[2].reals[0].target_id == "TCP 192.168.64.102:80 -> 192.168.64.143:80");
}

TEST_CASE(
    "DR and TUN forward to the service's port (none for fwmark); the file's port is the checks'") {
  auto services = Services(R"(
virtual_server 10.0.0.1 80 {
  lb_kind DR
  real_server 10.0.1.1 8080 { TCP_CHECK { } }
  real_server 10.0.1.2 8080 { lvs_method NAT }
}
virtual_server fwmark 5 {
  lb_kind TUN
  real_server 10.0.1.3 443 { TCP_CHECK { } }
}
)");
  REQUIRE(services.size() == 2);
  CHECK(services[0].reals[0].spec.key == Real("10.0.1.1", 80));
  CHECK(services[0].reals[0].source.port() == 8080);
  CHECK(services[0].reals[1].spec.key == Real("10.0.1.2", 8080));  // NAT may change the port
  CHECK(services[1].reals[0].spec.key == Real("10.0.1.3", 0));
  CHECK(services[1].reals[0].source.port() == 443);
}

}  // namespace
}  // namespace lvs::ipvs
