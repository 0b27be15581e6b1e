#include "services/checkd/udp_exchange.h"

#include "absl/strings/str_cat.h"
#include "services/checkd/dns_message.h"

namespace lvs::checkd {
std::optional<CheckOutcome> UdpExchange::Judge(absl::string_view reply) {
  if (rule_.reply.empty())
    return CheckOutcome::Up(absl::StrCat("UDP reply of ", reply.size(), " bytes"));
  if (reply.size() < rule_.min_reply_length || reply.size() > rule_.max_reply_length) {
    return CheckOutcome::Down(absl::StrCat("UDP reply of ", reply.size(), " bytes, outside ",
                                           rule_.min_reply_length, "-", rule_.max_reply_length));
  }
  const size_t n = std::min(reply.size(), rule_.reply.size());
  for (size_t i = 0; i < n; ++i) {
    const uint8_t ignore =
        rule_.ignore_mask.empty() ? 0 : static_cast<uint8_t>(rule_.ignore_mask[i]);
    if (((static_cast<uint8_t>(reply[i]) ^ static_cast<uint8_t>(rule_.reply[i])) & ~ignore &
         0xff) != 0) {
      return CheckOutcome::Down(absl::StrCat("UDP reply differs from require_reply at octet ", i));
    }
  }
  return CheckOutcome::Up("UDP reply matches");
}

CheckOutcome UdpExchange::OnSilence(absl::Duration timeout) {
  if (rule_.require_reply) return CheckOutcome::Down(NoAnswerIn(timeout));
  return CheckOutcome::Up(absl::StrCat("no ICMP unreachable in ", absl::FormatDuration(timeout)));
}

std::string DnsExchange::Request() {
  id_ = next_id_();
  auto query = BuildDnsQuery(name_, type_, id_);
  return query.ok() ? *query : std::string();  // TargetSpec built one already: cannot fail here
}

std::optional<CheckOutcome> DnsExchange::Judge(absl::string_view reply) {
  return JudgeDnsReply(reply, id_, type_);
}

}  // namespace lvs::checkd
