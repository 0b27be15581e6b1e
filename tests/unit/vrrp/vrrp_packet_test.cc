// Byte vectors: the v2 PASS and v3 datagrams below were captured from Debian's
// keepalived 2.2.7 running the seed's master config (VRID 51, priority 100,
// advert_int 1, auth PASS 1111, VIP 192.168.64.100) from 192.168.64.130; the v2
// checksum 0x165b also follows by hand from RFC 3768 §5.3.8.
#include "services/vrrpd/vrrp_packet.h"

#include <catch2/catch.hpp>

#include <set>
#include <vector>

namespace lvs::vrrp {
namespace {

const std::vector<uint8_t> kKeepalivedV2Pass = {
    0x45, 0xc0, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70,
    0xd9, 0x67, 0xc0, 0xa8, 0x40, 0x82, 0xe0, 0x00, 0x00, 0x12,  // IPv4 header
    0x21, 0x33, 0x64, 0x01, 0x01, 0x01, 0x16, 0x5b,              // v2 advert, vrid 51, prio 100
    0xc0, 0xa8, 0x40, 0x64,                                      // 192.168.64.100
    0x31, 0x31, 0x31, 0x31, 0x00, 0x00, 0x00, 0x00,              // "1111"
};

const std::vector<uint8_t>
    kKeepalivedV3Ipv4 =
        {
            0x45, 0xc0, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70,
            0xd9, 0x6f, 0xc0, 0xa8, 0x40, 0x82, 0xe0, 0x00, 0x00, 0x12,
            0x31, 0x33, 0x64, 0x01, 0x00, 0x64, 0x87, 0xa0,  // v3, 100 cs, pseudo-header checksum
            0xc0, 0xa8, 0x40, 0x64,
};

// fe80::82 -> ff02::12, hop limit 255, VRID 52, VIP fd00::100.
const std::vector<uint8_t> kKeepalivedV3Ipv6Payload = {
    0x31, 0x34, 0x64, 0x01, 0x00, 0x64, 0x6d, 0xc5, 0xfd, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
};

net::IpAddress Ip(const char* s) { return *net::IpAddress::Parse(s); }

VrrpAdvert SeedAdvert() {
  VrrpAdvert a;
  a.version = 2;
  a.vrid = 51;
  a.priority = 100;
  a.advert_int_cs = 100;
  a.auth_type = VrrpAuthType::kPass;
  a.auth_data = PassAuthData("1111");
  a.addresses = {Ip("192.168.64.100")};
  return a;
}

InstanceExpectation SeedExpectation() {
  InstanceExpectation e;
  e.version = 2;
  e.vrid = 51;
  e.advert_int_cs = 100;
  e.auth_type = VrrpAuthType::kPass;
  e.auth_data = PassAuthData("1111");
  e.addresses = {*net::IpAddress::Parse("192.168.64.100")};
  return e;
}

RejectReason ParseV4Reason(const std::vector<uint8_t>& d) {
  ParseResult r = ParseIpv4Datagram(d);
  if (auto* reason = std::get_if<RejectReason>(&r)) return *reason;
  return RejectReason::kNone;
}

TEST_CASE("v2 PASS advert is built byte for byte as keepalived sends it") {
  std::vector<uint8_t> built =
      BuildIpv4Datagram(SeedAdvert(), Ip("192.168.64.130"), Ip("224.0.0.18"), 1);
  REQUIRE(built == kKeepalivedV2Pass);
}

TEST_CASE("v3 IPv4 advert carries the pseudo-header checksum keepalived computes") {
  VrrpAdvert a = SeedAdvert();
  a.version = 3;
  a.auth_type = VrrpAuthType::kNone;
  REQUIRE(BuildIpv4Datagram(a, Ip("192.168.64.130"), Ip("224.0.0.18"), 1) == kKeepalivedV3Ipv4);
}

TEST_CASE("v3 IPv6 advert matches keepalived's") {
  VrrpAdvert a;
  a.version = 3;
  a.vrid = 52;
  a.priority = 100;
  a.advert_int_cs = 100;
  a.addresses = {Ip("fd00::100")};
  REQUIRE(BuildVrrpMessage(a, Ip("fe80::82"), Ip("ff02::12")) == kKeepalivedV3Ipv6Payload);
}

TEST_CASE("keepalived's v2 PASS datagram parses and passes the seed's checks") {
  ParseResult r = ParseIpv4Datagram(kKeepalivedV2Pass);
  auto* rx = std::get_if<ReceivedAdvert>(&r);
  REQUIRE(rx != nullptr);
  CHECK(rx->src == Ip("192.168.64.130"));
  CHECK(rx->dst == Ip("224.0.0.18"));
  CHECK(rx->ttl == 255);
  CHECK(rx->advert.version == 2);
  CHECK(rx->advert.vrid == 51);
  CHECK(rx->advert.priority == 100);
  CHECK(rx->advert.advert_int_cs == 100);
  CHECK(rx->advert.auth_type == VrrpAuthType::kPass);
  REQUIRE(rx->advert.addresses.size() == 1);
  CHECK(rx->advert.addresses[0] == Ip("192.168.64.100"));
  CHECK(CheckAgainstInstance(*rx, SeedExpectation()) == RejectReason::kNone);
}

TEST_CASE("keepalived's v3 datagrams parse, IPv4 and IPv6") {
  ParseResult r4 = ParseIpv4Datagram(kKeepalivedV3Ipv4);
  REQUIRE(std::holds_alternative<ReceivedAdvert>(r4));
  CHECK(std::get<ReceivedAdvert>(r4).advert.version == 3);
  CHECK(std::get<ReceivedAdvert>(r4).advert.advert_int_cs == 100);

  ParseResult r6 = ParseIpv6Payload(kKeepalivedV3Ipv6Payload, Ip("fe80::82"), Ip("ff02::12"), 255);
  auto* rx = std::get_if<ReceivedAdvert>(&r6);
  REQUIRE(rx != nullptr);
  CHECK(rx->advert.vrid == 52);
  REQUIRE(rx->advert.addresses.size() == 1);
  CHECK(rx->advert.addresses[0] == Ip("fd00::100"));
  InstanceExpectation e;
  e.version = 3;
  e.vrid = 52;
  e.addresses = {Ip("fd00::100")};
  CHECK(CheckAgainstInstance(*rx, e) == RejectReason::kNone);
}

TEST_CASE("IPv6 checksum depends on the addresses (pseudo-header)") {
  ParseResult r = ParseIpv6Payload(kKeepalivedV3Ipv6Payload, Ip("fe80::83"), Ip("ff02::12"), 255);
  REQUIRE(std::get<RejectReason>(r) == RejectReason::kBadChecksum);
}

TEST_CASE("v3 centisecond interval survives a round trip, reserved bits ignored") {
  VrrpAdvert a = SeedAdvert();
  a.version = 3;
  a.advert_int_cs = 10;  // advert_int 0.1
  auto d = BuildIpv4Datagram(a, Ip("10.0.0.1"), Ip("224.0.0.18"));
  ParseResult r = ParseIpv4Datagram(d);
  REQUIRE(std::get<ReceivedAdvert>(r).advert.advert_int_cs == 10);
}

// A datagram with one byte changed, and the reason it must be refused for.
struct OneByteChange {
  const char* what;
  const std::vector<uint8_t>& datagram;
  size_t at;
  uint8_t value;
  RejectReason reason;
};

TEST_CASE("every receive check has its own reason") {
  const auto& v2 = kKeepalivedV2Pass;
  SECTION("one byte changed") {
    for (const OneByteChange& change : std::vector<OneByteChange>{
             {"bad checksum", v2, 27, uint8_t(v2[27] ^ 0x01), RejectReason::kBadChecksum},
             {"flipped payload byte breaks the checksum", v2, 30, uint8_t(v2[30] ^ 0x40),
              RejectReason::kBadChecksum},
             {"v3 IPv4 checksum covers the destination (pseudo-header): 224.0.0.19",
              kKeepalivedV3Ipv4, 19, 0x13, RejectReason::kBadChecksum},
             {"truncated: address count beyond the message", v2, 23, 3, RejectReason::kTruncated},
             {"not IPv4", v2, 0, 0x65, RejectReason::kBadIpHeader},
             {"bad IHL", v2, 0, 0x44, RejectReason::kBadIpHeader},
             {"other protocol", v2, 9, 17, RejectReason::kBadIpHeader},
             {"version 1 is refused", v2, 20, 1 << 4 | 1, RejectReason::kBadVersion},
             {"version 4 is refused", v2, 20, 4 << 4 | 1, RejectReason::kBadVersion},
             {"type other than advertisement", v2, 20, 0x22, RejectReason::kBadType},
         }) {
      INFO(change.what);
      std::vector<uint8_t> d = change.datagram;
      d[change.at] = change.value;
      CHECK(ParseV4Reason(d) == change.reason);
    }
  }
  SECTION("truncated: IP header cut") {
    CHECK(ParseV4Reason({v2.begin(), v2.begin() + 12}) == RejectReason::kTruncated);
  }
  SECTION("truncated: total length beyond the buffer") {
    std::vector<uint8_t> d(v2.begin(), v2.end() - 4);
    CHECK(ParseV4Reason(d) == RejectReason::kTruncated);
  }
  SECTION("truncated: VRRP header shorter than 8 bytes") {
    std::vector<uint8_t> d(v2.begin(), v2.begin() + 24);
    d[3] = 24;
    CHECK(ParseV4Reason(d) == RejectReason::kTruncated);
  }
}

TEST_CASE("instance checks: TTL, VRID, version, auth, interval") {
  ReceivedAdvert rx = std::get<ReceivedAdvert>(ParseIpv4Datagram(kKeepalivedV2Pass));
  InstanceExpectation e = SeedExpectation();
  SECTION("TTL 64 refused on multicast, accepted for unicast peers") {
    rx.ttl = 64;
    CHECK(CheckAgainstInstance(rx, e) == RejectReason::kBadTtl);
    e.unicast = true;
    CHECK(CheckAgainstInstance(rx, e) == RejectReason::kNone);
  }
  SECTION("unknown VRID") {
    e.vrid = 52;
    CHECK(CheckAgainstInstance(rx, e) == RejectReason::kUnknownVrid);
  }
  SECTION("version differs from the instance's") {
    e.version = 3;
    CHECK(CheckAgainstInstance(rx, e) == RejectReason::kBadVersion);
  }
  SECTION("wrong password") {
    e.auth_data = PassAuthData("1112");
    CHECK(CheckAgainstInstance(rx, e) == RejectReason::kAuthMismatch);
  }
  SECTION("auth type differs") {
    e.auth_type = VrrpAuthType::kNone;
    CHECK(CheckAgainstInstance(rx, e) == RejectReason::kAuthTypeMismatch);
  }
  SECTION("v2 advert interval mismatch") {
    e.advert_int_cs = 200;
    CHECK(CheckAgainstInstance(rx, e) == RejectReason::kAdvertIntMismatch);
  }
  SECTION("v3 learns the interval instead of refusing it") {
    ReceivedAdvert rx3 = std::get<ReceivedAdvert>(ParseIpv4Datagram(kKeepalivedV3Ipv4));
    InstanceExpectation e3;
    e3.version = 3;
    e3.vrid = 51;
    e3.advert_int_cs = 200;
    e3.addresses = rx3.advert.addresses;
    CHECK(CheckAgainstInstance(rx3, e3) == RejectReason::kNone);
  }
  SECTION("the VIP list must be the instance's: count, then each address (keepalived)") {
    REQUIRE(CheckAgainstInstance(rx, e) == RejectReason::kNone);
    e.addresses.push_back(*net::IpAddress::Parse("192.168.64.101"));
    CHECK(CheckAgainstInstance(rx, e) == RejectReason::kAddressMismatch);
    e.addresses = {*net::IpAddress::Parse("192.168.64.101")};
    CHECK(CheckAgainstInstance(rx, e) == RejectReason::kAddressMismatch);
    // skip_check_adv_addr, for the master already heard
    CHECK(CheckAgainstInstance(rx, e, /*check_addresses=*/false) == RejectReason::kNone);
  }
  SECTION("check_unicast_src: only the peers' adverts") {
    e.unicast = true;
    e.peers_only = {*net::IpAddress::Parse("192.168.64.9")};
    CHECK(CheckAgainstInstance(rx, e) == RejectReason::kNotAPeer);
    e.peers_only.push_back(rx.src);
    CHECK(CheckAgainstInstance(rx, e) == RejectReason::kNone);
  }
}

TEST_CASE("a password longer than 8 bytes is cut as keepalived cuts it") {
  auto d = PassAuthData("0123456789");
  CHECK(std::string(d.begin(), d.end()) == "01234567");
}

TEST_CASE("addresses of the other family are not put in the packet") {
  VrrpAdvert a = SeedAdvert();
  a.addresses.push_back(Ip("fd00::1"));
  auto d = BuildIpv4Datagram(a, Ip("192.168.64.130"), Ip("224.0.0.18"));
  auto rx = std::get<ReceivedAdvert>(ParseIpv4Datagram(d));
  CHECK(rx.advert.addresses.size() == 1);
}

TEST_CASE("every reject reason has a distinct counter name") {
  std::set<std::string_view> names;
  for (int i = 0; i < static_cast<int>(RejectReason::kCount); ++i) {
    names.insert(RejectReasonName(static_cast<RejectReason>(i)));
  }
  CHECK(names.size() == static_cast<size_t>(RejectReason::kCount));
  CHECK(names.count("unknown") == 0);
}

TEST_CASE("random bytes never crash the parser") {
  uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1103515245u + 12345u; };
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> d = (i % 2) ? kKeepalivedV2Pass : kKeepalivedV3Ipv4;
    d.resize(next() % 64);
    for (int k = next() % 4; k >= 0; --k) {
      if (!d.empty()) d[next() % d.size()] = static_cast<uint8_t>(next() >> 16);
    }
    ParseResult r = ParseIpv4Datagram(d);
    if (auto* rx = std::get_if<ReceivedAdvert>(&r)) {
      CHECK(CheckAgainstInstance(*rx, SeedExpectation()) <= RejectReason::kCount);
    }
  }
}

}  // namespace
}  // namespace lvs::vrrp
