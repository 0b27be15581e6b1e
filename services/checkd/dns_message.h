// DNS_CHECK's messages, with no I/O: one query built by c-ares (ares_create_query)
// and the answer judged, with c-ares expanding the (compressed) names.
//
// checkd sends the query itself, once per run on a connected UDP socket, rather
// than through a c-ares channel: a resolver's retries, server rotation and
// search domains would hide the one server under test, and connect_timeout and
// retry already say how hard to try.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/checkd/check_outcome.h"

namespace lvs::checkd {

// "SOA" for 6: the name of one of DNS_CHECK's types (lvs.v1.DnsType), else "TYPE<n>".
std::string DnsTypeName(uint16_t type);

// A recursion-desired query of class IN.
absl::StatusOr<std::string> BuildDnsQuery(absl::string_view name, uint16_t type, uint16_t id);

// keepalived's rule (check_dns.c dns_recv_thread): a response with our id is up
// when its RCODE is 0 (NOERROR), down otherwise; records are not required (a
// NOERROR with no record of the type, "NODATA", is up, as in keepalived). The
// reason counts the records of the type, for a person. Nothing when the datagram
// is not the answer to this query (too short, another id, not a response).
std::optional<CheckOutcome> JudgeDnsReply(absl::string_view reply, uint16_t id, uint16_t type);

}  // namespace lvs::checkd
