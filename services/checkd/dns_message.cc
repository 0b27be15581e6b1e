#include "services/checkd/dns_message.h"

#include <ares.h>

#include "absl/strings/str_cat.h"
#include "lvs/v1/config.pb.h"

namespace lvs::checkd {
namespace {

constexpr uint16_t kClassIn = 1;
constexpr size_t kHeader = 12;

uint16_t Get16(absl::string_view s, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(s[at]) << 8) |
                               static_cast<uint8_t>(s[at + 1]));
}

// Skips one (possibly compressed) name at `*at`; false when it runs off the end.
bool SkipName(absl::string_view msg, size_t* at) {
  char* name = nullptr;
  long len = 0;
  const auto* base = reinterpret_cast<const unsigned char*>(msg.data());
  if (ares_expand_name(base + *at, base, static_cast<int>(msg.size()), &name, &len) != ARES_SUCCESS)
    return false;
  ares_free_string(name);
  *at += static_cast<size_t>(len);
  return *at <= msg.size();
}

const char* RcodeName(int rcode) {
  switch (rcode) {
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 3: return "NXDOMAIN";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
  }
  return "error";
}

// "NOERROR, 2 A records", "NOERROR, no A record"; the count is only for people.
std::string DescribeAnswers(absl::string_view reply, uint16_t type) {
  const uint16_t questions = Get16(reply, 4);
  const uint16_t answers = Get16(reply, 6);
  size_t at = kHeader;
  for (uint16_t i = 0; i < questions; ++i) {
    if (!SkipName(reply, &at) || at + 4 > reply.size()) return "NOERROR";
    at += 4;
  }
  unsigned matching = 0;
  for (uint16_t i = 0; i < answers; ++i) {
    if (!SkipName(reply, &at) || at + 10 > reply.size()) return "NOERROR";
    const uint16_t rr_type = Get16(reply, at);
    const uint16_t rdlength = Get16(reply, at + 8);
    at += 10 + rdlength;
    if (at > reply.size()) return "NOERROR";
    if (rr_type == type) ++matching;
  }
  if (matching == 0) return absl::StrCat("NOERROR, no ", DnsTypeName(type), " record");
  return absl::StrCat("NOERROR, ", matching, " ", DnsTypeName(type),
                      matching == 1 ? " record" : " records");
}

}  // namespace

std::string DnsTypeName(uint16_t type) {
  if (v1::DnsType_IsValid(type) && type != 0)
    return v1::DnsType_Name(static_cast<v1::DnsType>(type)).substr(4);
  return absl::StrCat("TYPE", type);
}

absl::StatusOr<std::string> BuildDnsQuery(absl::string_view name, uint16_t type, uint16_t id) {
  unsigned char* buf = nullptr;
  int len = 0;
  const std::string n(name);
  int rc =
      ares_create_query(n.c_str(), kClassIn, type, id, /*rd=*/1, &buf, &len, /*max_udp_size=*/0);
  if (rc != ARES_SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot build a DNS query for \"", name, "\": ", ares_strerror(rc)));
  }
  std::string out(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
  ares_free_string(buf);
  return out;
}

std::optional<CheckOutcome> JudgeDnsReply(absl::string_view reply, uint16_t id, uint16_t type) {
  if (reply.size() < kHeader || Get16(reply, 0) != id) return std::nullopt;
  const uint16_t flags = Get16(reply, 2);
  if ((flags & 0x8000) == 0) return std::nullopt;  // a query, not a response
  if (const int rcode = flags & 0x000f; rcode != 0) {
    return CheckOutcome::Down(
        absl::StrCat("DNS answered ", RcodeName(rcode), " (rcode ", rcode, ")"));
  }
  return CheckOutcome::Up(DescribeAnswers(reply, type));
}

}  // namespace lvs::checkd
