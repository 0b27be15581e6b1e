// The IPVS table as values: services, destinations (real servers), their counters,
// and the operations that change the table. Shared by the kernel client, its fake
// and the reconciler; no sockets, no libnl.
#pragma once

#include <netinet/in.h>

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/net/ip_address.h"

namespace lvs::ipvs {

// IPPROTO_TCP / IPPROTO_UDP / IPPROTO_SCTP; 0 for a firewall-mark service.
std::string ProtocolName(uint16_t protocol);
std::optional<uint16_t> ParseProtocolName(std::string_view name);

// How a service is identified: either address+protocol+port, or fwmark (+ family).
struct ServiceKey {
  int af = AF_INET;
  uint16_t protocol = IPPROTO_TCP;
  net::IpAddress addr;
  uint16_t port = 0;  // host order
  uint32_t fwmark = 0;

  bool is_fwmark() const { return fwmark != 0; }
  // "TCP 192.168.64.100:80", "UDP [2001:db8::1]:53", "FWM 7", "FWM 7 IPv6".
  std::string ToString() const;
  friend auto operator<=>(const ServiceKey&, const ServiceKey&) = default;
};

enum class Forwarding : uint32_t { kNat = 0, kLocal = 1, kTunnel = 2, kDirect = 3 };
std::string_view ForwardingName(Forwarding f);  // ipvsadm's words: Masq, Local, Tunnel, Route

// Service flags a user may set (the kernel adds IP_VS_SVC_F_HASHED on its own).
inline constexpr uint32_t kSvcFlagPersistent = 0x0001;
inline constexpr uint32_t kSvcFlagOnePacket = 0x0004;
inline constexpr uint32_t kSvcFlagSched1 = 0x0008;
inline constexpr uint32_t kSvcFlagSched2 = 0x0010;
inline constexpr uint32_t kSvcFlagSched3 = 0x0020;
inline constexpr uint32_t kSvcUserFlags =
    kSvcFlagPersistent | kSvcFlagOnePacket | kSvcFlagSched1 | kSvcFlagSched2 | kSvcFlagSched3;

struct ServiceSpec {
  ServiceKey key;
  std::string scheduler = "wlc";
  uint32_t flags = 0;      // kSvcUserFlags bits only
  uint32_t timeout_s = 0;  // persistence
  // IPv4: the mask as the kernel carries it (network order in a u32);
  // IPv6: a prefix length.
  uint32_t netmask = 0xffffffff;
  std::string pe_name;

  bool SameSettings(const ServiceSpec& o) const {
    return scheduler == o.scheduler && flags == o.flags && timeout_s == o.timeout_s &&
           netmask == o.netmask && pe_name == o.pe_name;
  }
  friend bool operator==(const ServiceSpec&, const ServiceSpec&) = default;
};

struct DestKey {
  net::IpAddress addr;
  uint16_t port = 0;  // host order
  std::string ToString() const { return net::HostPort(addr, port); }
  friend auto operator<=>(const DestKey&, const DestKey&) = default;
};

struct DestSpec {
  DestKey key;
  Forwarding forwarding = Forwarding::kNat;
  int32_t weight = 1;
  uint32_t upper_threshold = 0;
  uint32_t lower_threshold = 0;
  // Tunnel forwarding's encapsulation (IP_VS_CONN_F_TUNNEL_TYPE_*: 0 ipip, 1 gue,
  // 2 gre), GUE's port (host order) and IP_VS_TUNNEL_ENCAP_FLAG_* checksum flags.
  uint8_t tun_type = 0;
  uint16_t tun_port = 0;
  uint16_t tun_flags = 0;

  bool SameSettings(const DestSpec& o) const {
    return forwarding == o.forwarding && weight == o.weight &&
           upper_threshold == o.upper_threshold && lower_threshold == o.lower_threshold &&
           tun_type == o.tun_type && tun_port == o.tun_port && tun_flags == o.tun_flags;
  }
  friend bool operator==(const DestSpec&, const DestSpec&) = default;
};

struct Stats {
  uint64_t conns = 0, inpkts = 0, outpkts = 0, inbytes = 0, outbytes = 0;
  uint64_t cps = 0, inpps = 0, outpps = 0, inbps = 0, outbps = 0;
  friend bool operator==(const Stats&, const Stats&) = default;
};

struct Dest {
  DestSpec spec;
  uint32_t active_conns = 0;
  uint32_t inactive_conns = 0;
  uint32_t persistent_conns = 0;
  Stats stats;
};

struct Service {
  ServiceSpec spec;
  Stats stats;
  std::map<DestKey, Dest> dests;
};

// A whole table, ordered by key, as a dump returns it or as the config wants it.
using Table = std::map<ServiceKey, Service>;

struct Operation {
  enum class Kind { kAddService, kEditService, kDelService, kAddDest, kEditDest, kDelDest };
  Kind kind;
  ServiceSpec service;  // the key alone for deletions
  DestSpec dest;        // dest operations only; the key alone for deletions

  bool is_dest() const { return kind >= Kind::kAddDest; }
  // "add real 192.168.64.143:80 to TCP 192.168.64.100:80 (DR, weight 1)".
  std::string ToString() const;
  friend bool operator==(const Operation&, const Operation&) = default;
};

struct IpvsInfo {
  uint32_t version = 0;  // 0x010201 is 1.2.1
  uint32_t conn_table_size = 0;
};

struct Timeouts {
  uint32_t tcp_s = 0, tcp_fin_s = 0, udp_s = 0;  // 0 in a set: leave unchanged
};

enum class SyncRole : uint32_t { kMaster = 1, kBackup = 2 };

struct SyncDaemon {
  SyncRole role = SyncRole::kMaster;
  std::string interface;
  uint32_t sync_id = 0;
  uint16_t max_len = 0;                 // 0: the kernel's default
  std::optional<net::IpAddress> group;  // unset: 224.0.0.81
  uint16_t port = 0;                    // 0: 8848
  uint8_t ttl = 0;                      // 0: 1
  friend bool operator==(const SyncDaemon&, const SyncDaemon&) = default;
};

}  // namespace lvs::ipvs
