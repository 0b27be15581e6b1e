// The pure halves of the two request/reply-over-UDP checkers: what to send, how
// to judge a datagram, what silence means. DatagramChecker does the I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/checkd/check_outcome.h"

namespace lvs::checkd {

class DatagramExchange {
 public:
  virtual ~DatagramExchange() = default;
  // The datagram of a new run.
  virtual std::string Request() = 0;
  // A datagram from the server: a verdict, or nothing when it is not the answer
  // (a stale DNS id) and the run keeps waiting.
  virtual std::optional<CheckOutcome> Judge(absl::string_view reply) = 0;
  // No datagram in `timeout`.
  virtual CheckOutcome OnSilence(absl::Duration timeout) = 0;
};

struct UdpCheckRule {
  std::string payload;
  bool require_reply = false;
  std::string reply;        // empty: any reply will do
  std::string ignore_mask;  // per octet of `reply`: bits not compared
  uint32_t min_reply_length = 0;
  uint32_t max_reply_length = 255;  // keepalived's default (UINT8_MAX)
};

// keepalived's check_udp.c: an ICMP unreachable is down (DatagramChecker's part);
// silence is down only with require_reply; with expected reply bytes, the reply
// must be min..max long and match on the shorter of the two lengths.
class UdpExchange final : public DatagramExchange {
 public:
  explicit UdpExchange(UdpCheckRule rule) : rule_(std::move(rule)) {}
  std::string Request() override { return rule_.payload; }
  std::optional<CheckOutcome> Judge(absl::string_view reply) override;
  CheckOutcome OnSilence(absl::Duration timeout) override;
  // The largest reply worth reading: one byte over max shows "too long".
  size_t receive_size() const { return rule_.reply.empty() ? 65536 : rule_.max_reply_length + 1; }

 private:
  UdpCheckRule rule_;
};

class DnsExchange final : public DatagramExchange {
 public:
  // `next_id` gives each run's query id (random in the daemon, fixed in tests).
  DnsExchange(std::string name, uint16_t type, std::function<uint16_t()> next_id)
      : name_(std::move(name)), type_(type), next_id_(std::move(next_id)) {}
  std::string Request() override;
  std::optional<CheckOutcome> Judge(absl::string_view reply) override;
  CheckOutcome OnSilence(absl::Duration timeout) override {
    return CheckOutcome::Down(NoAnswerIn(timeout));
  }

 private:
  std::string name_;
  uint16_t type_;
  std::function<uint16_t()> next_id_;
  uint16_t id_ = 0;
};

}  // namespace lvs::checkd
