#include "lib/net/ip_address.h"

#include <arpa/inet.h>

#include <catch2/catch.hpp>

namespace lvs::net {
namespace {

std::string Str(const std::vector<IpAddress>& v) {
  std::string out;
  for (const auto& a : v) out += a.ToString() + " ";
  return out;
}

TEST_CASE("ip address: IPv4 and IPv6 text, canonical form, and what is not an address") {
  auto v4 = IpAddress::Parse("192.168.64.100");
  REQUIRE(v4);
  CHECK(v4->is_v4());
  CHECK(v4->af() == AF_INET);
  CHECK(v4->size() == 4);
  CHECK(v4->ToString() == "192.168.64.100");
  auto v6 = IpAddress::Parse("2001:DB8:0:0::1");
  REQUIRE(v6);
  CHECK(v6->is_v6());
  CHECK(v6->ToString() == "2001:db8::1");
  CHECK(v6->max_prefix() == 128);
  for (const char* bad : {"", "192.168.64", "192.168.64.256", "::g", "10.0.0.1/24", " 10.0.0.1"})
    CHECK_FALSE(IpAddress::Parse(bad));
  CHECK(IpAddress::Any(AF_INET6).is_unspecified());
  CHECK(IpAddress::Any(AF_INET6).ToString() == "::");
}

TEST_CASE("ip address: bytes in, bytes out, and order (IPv4 first, then numeric)") {
  const uint8_t raw[4] = {10, 0, 0, 7};
  IpAddress a = IpAddress::FromRaw(AF_INET, raw);
  CHECK(a == IpAddress::V4(10, 0, 0, 7));
  CHECK(a.raw()[3] == 7);
  CHECK(a.raw()[4] == 0);  // nf_inet_addr: the rest is zero
  CHECK(*IpAddress::FromBytes(a.bytes()) == a);
  CHECK_FALSE(IpAddress::FromBytes(std::span<const uint8_t>(raw, 3)));
  CHECK(IpAddress::V4(10, 0, 0, 2) < IpAddress::V4(10, 0, 0, 10));
  CHECK(IpAddress::V4(255, 255, 255, 255) < *IpAddress::Parse("::1"));
}

TEST_CASE("ip range: keepalived's last-octet and last-group ranges") {
  auto one = IpRange::Parse("10.0.0.5");
  REQUIRE(std::holds_alternative<IpRange>(one));
  CHECK(Str(std::get<IpRange>(one).Addresses()) == "10.0.0.5 ");
  CHECK(Str(std::get<IpRange>(IpRange::Parse("10.0.0.5-7")).Addresses()) ==
        "10.0.0.5 10.0.0.6 10.0.0.7 ");
  CHECK(Str(std::get<IpRange>(IpRange::Parse("10.0.0.5-10.0.0.6")).Addresses()) ==
        "10.0.0.5 10.0.0.6 ");
  // IPv6: the end is hex, as the group is written.
  CHECK(Str(std::get<IpRange>(IpRange::Parse("2001:db8::f-11")).Addresses()) ==
        "2001:db8::f 2001:db8::10 2001:db8::11 ");
  CHECK(std::get<IpRange::Error>(IpRange::Parse("10.0.0.5-4")) == IpRange::Error::kBackwards);
  CHECK(std::get<IpRange::Error>(IpRange::Parse("10.0.0.5-256")) == IpRange::Error::kBackwards);
  for (const char* bad : {"10.0.0-5", "10.0.0.5-", "10.0.0.5-6-7", "10.0.0.5-x", "nope"})
    CHECK(std::get<IpRange::Error>(IpRange::Parse(bad)) == IpRange::Error::kNotAnAddress);
}

TEST_CASE("host:port: both spellings") {
  CHECK(HostPort(IpAddress::V4(192, 168, 64, 143), 80) == "192.168.64.143:80");
  CHECK(HostPort(*IpAddress::Parse("2001:db8::2"), 80) == "[2001:db8::2]:80");
}

}  // namespace
}  // namespace lvs::net
