// A CheckTarget from the API, validated and with keepalived's defaults filled in.
// Everything that can be wrong with a target is found here, before any socket is
// opened, so SetTargets can reject it with a message and apply the rest.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lvs/v1/check.pb.h"
#include "services/checkd/body_regex.h"
#include "services/checkd/check_outcome.h"
#include "services/checkd/checker_state.h"
#include "services/checkd/udp_exchange.h"

namespace lvs::checkd {

enum class CheckKind { kTcp, kHttp, kSsl, kMisc, kPing, kUdp, kDns, kSmtp, kFile };
const char* CheckKindName(CheckKind kind);  // "TCP_CHECK", "HTTP_GET", ...

struct UrlSpec {
  std::string path;
  std::string digest;                     // lower-case hex MD5; empty: not checked
  std::vector<StatusRange> status_codes;  // empty: 200-299
  std::string virtualhost;                // empty: the checker's
  // regex: the body must match (regex_no_match: must not), the match starting in
  // [regex_min_offset, regex_max_end) of the body; regex_max_end 0: anywhere after.
  std::shared_ptr<const CompiledRegex> regex;
  bool regex_no_match = false;
  uint64_t regex_min_offset = 0, regex_max_end = 0;
};

struct CheckerSpec {
  CheckKind kind = CheckKind::kTcp;
  std::string connect_ip;  // canonical text
  uint16_t connect_port = 0;
  std::string bindto;  // empty: any
  uint16_t bind_port = 0;
  uint32_t fwmark = 0;  // SO_MARK; 0: none
  std::string bind_if;  // SO_BINDTODEVICE; empty: none
  absl::Duration connect_timeout = absl::Seconds(5);
  RetryPolicy retry;
  absl::Duration warmup = absl::ZeroDuration();
  bool alpha = false;
  // HTTP_GET / SSL_GET
  std::vector<UrlSpec> urls;
  std::string virtualhost;
  std::string sni;  // the TLS server name to send; empty: none
  v1::HttpProtocol http_protocol = v1::HTTP_1_0;
  bool verify_peer = false;
  // The SSL block's files (SSL_GET): empty ca_file verifies nothing.
  std::string ca_file, certificate_file, key_file, key_password;
  // MISC_CHECK
  std::vector<std::string> argv;
  absl::Duration misc_timeout = absl::ZeroDuration();
  bool misc_dynamic = false;
  std::string misc_user, misc_group;  // empty user: keepalived_script, else root
  // UDP_CHECK
  UdpCheckRule udp;
  // DNS_CHECK
  std::string dns_name;   // "" or ".": the root
  uint16_t dns_type = 6;  // SOA
  // SMTP_CHECK
  std::string helo_name;
  // FILE_CHECK
  std::string file_path;
  int32_t file_weight = 0;
  bool file_reverse = false;
  int32_t base_weight = 1;
  bool file_init = false, file_init_overwrite = false;
  int32_t file_init_value = 0;
};

struct TargetSpec {
  std::string id;
  std::string address;
  uint16_t port = 0;
  bool alpha = false;
  std::vector<CheckerSpec> checkers;
  v1::CheckTarget source;  // as received, to tell an unchanged target from a changed one

  static absl::StatusOr<TargetSpec> FromProto(const v1::CheckTarget& target);
};

// Parses an IPv4 or IPv6 literal; returns its canonical text or an error.
absl::StatusOr<std::string> CanonicalAddress(absl::string_view text);

}  // namespace lvs::checkd
