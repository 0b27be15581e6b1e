// The kernel's IPVS connection table as /proc/net/ip_vs_conn prints it: one entry
// per connection, with its TCP state. Passive health reads it because nothing else
// the kernel offers is live enough: generic netlink has no connection dump, and the
// per-destination counters it does give (conns, inpkts) are refreshed only by the
// rate estimator, every 2 s on the kernels users run (6.1).
//
// A line: "TCP C0A84001 D431 C0A84064 0050 C0A8408F 0050 SYN_RECV         59"
// (protocol, client, virtual address, real server, each address in hex in host order
// or as a full IPv6 address, ports in hex; state; seconds to expiry; PE data).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/ipvsd/ipvs_types.h"

namespace lvs::ipvs {

struct ConnEntry {
  uint16_t protocol = 0;  // IPPROTO_TCP, ...; 0 for a persistence template ("IP")
  net::IpAddress client, vaddr, daddr;
  uint16_t client_port = 0, vport = 0, dport = 0;
  // SYN_RECV: the connection's first packet (the client's SYN) is all the director
  // has seen of it. In DR and TUN modes the director sees only the client's side,
  // so a real server that refuses or never answers leaves its connections here.
  bool syn_recv = false;
  uint32_t expires_s = 0;

  // The same for one connection as long as it lives: client and virtual endpoints.
  uint64_t Id() const;
};

struct ConnTableStats {
  size_t entries = 0;
  size_t refused_lines = 0;  // lines that did not parse (never expected; counted)
};

// Calls `each` for every entry of the text; the header line is skipped.
ConnTableStats ParseConnTable(std::string_view text,
                              const std::function<void(const ConnEntry&)>& each);

// Reads the whole of `path` (/proc/net/ip_vs_conn). NOT_FOUND when the kernel has
// no IPVS (the file is absent).
absl::StatusOr<std::string> ReadConnTable(const std::string& path = "/proc/net/ip_vs_conn");

}  // namespace lvs::ipvs
