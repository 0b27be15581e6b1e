#include "services/checkd/target_spec.h"

#include <arpa/inet.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/net/ip_address.h"
#include "lib/proc/command_line.h"
#include "services/checkd/dns_message.h"

namespace lvs::checkd {
namespace {

constexpr absl::Duration kDefaultDelayLoop = absl::Seconds(60);
constexpr uint32_t kMaxPort = 65535;

absl::Status Invalid(absl::string_view where, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", what));
}

bool HasControlBytes(absl::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

absl::Duration MsOr(uint32_t ms, absl::Duration fallback) {
  return ms == 0 ? fallback : absl::Milliseconds(ms);
}

bool IsHexDigest(absl::string_view s) {
  if (s.size() != 32) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::StatusOr<UrlSpec> ParseUrl(const v1::UrlCheck& in, absl::string_view where) {
  UrlSpec url;
  url.path = in.path().empty() ? "/" : in.path();
  if (url.path.front() != '/')
    return Invalid(where, absl::StrCat("url path \"", in.path(), "\" must start with /"));
  for (char c : url.path) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return Invalid(where, absl::StrCat("url path \"", in.path(),
                                         "\" contains a blank or control character"));
    }
  }
  if (!in.digest().empty()) {
    if (!IsHexDigest(in.digest())) {
      return Invalid(where, absl::StrCat("digest \"", in.digest(),
                                         "\" is not 32 hex digits (an MD5 as genhash prints it)"));
    }
    url.digest = absl::AsciiStrToLower(in.digest());
  }
  for (const v1::StatusRange& r : in.status_codes()) {
    if (r.low() < 100 || r.high() > 599 || r.low() > r.high()) {
      return Invalid(where, absl::StrCat("status_code range ", r.low(), "-", r.high(),
                                         " is not within 100-599"));
    }
    url.status_codes.push_back({r.low(), r.high()});
  }
  if (HasControlBytes(in.virtualhost()) || HasControlBytes(in.path())) {
    // Sent in the request line and Host header: CR/LF would inject headers.
    return Invalid(where, "url path and virtualhost must not contain control characters");
  }
  url.virtualhost = in.virtualhost();
  if (!in.regex().empty()) {
    auto regex = CompiledRegex::Get(in.regex(), in.regex_options());
    if (!regex.ok()) return Invalid(where, regex.status().message());
    url.regex = *std::move(regex);
    url.regex_no_match = in.regex_no_match();
    url.regex_min_offset = in.regex_min_offset();
    url.regex_max_end = in.regex_max_end();
    if (url.regex_max_end != 0 && url.regex_min_offset >= url.regex_max_end) {
      return Invalid(where, "regex_min_offset must be below regex_max_offset");
    }
  }
  return url;
}

// delay_loop, connect_timeout, delay_before_retry, warmup, alpha: the checker's, else
// the target's, else keepalived's.
void TimingFrom(const v1::CheckTarget& target, const v1::Checker& in, CheckerSpec& c) {
  const absl::Duration delay_loop =
      MsOr(in.delay_loop_ms(), MsOr(target.delay_loop_ms(), kDefaultDelayLoop));
  c.connect_timeout = MsOr(in.connect_timeout_ms(), absl::Seconds(5));
  c.retry.delay_loop = delay_loop;
  // Set (even to 0) by the config layer: taken as written; absent (an ad-hoc probe):
  // keepalived's defaults.
  c.retry.delay_before_retry = in.has_delay_before_retry_ms()
                                   ? absl::Milliseconds(in.delay_before_retry_ms())
                                   : absl::Seconds(1);
  c.warmup = in.has_warmup_ms() ? absl::Milliseconds(in.warmup_ms()) : delay_loop;
  c.alpha = in.alpha() || target.alpha();
}

// Where the probe goes and leaves from: connect_ip/port (else the target's), bindto,
// bind_port, fwmark, bind_if.
absl::Status ConnectionFrom(const v1::CheckTarget& target, const v1::Checker& in,
                            const std::string& address, absl::string_view where, CheckerSpec& c) {
  if (in.connect_ip().empty()) {
    c.connect_ip = address;
  } else {
    auto ip = CanonicalAddress(in.connect_ip());
    if (!ip.ok()) return Invalid(where, absl::StrCat("connect_ip: ", ip.status().message()));
    c.connect_ip = *ip;
  }
  uint32_t port = in.connect_port() != 0 ? in.connect_port() : target.port();
  if (port > kMaxPort) {
    return Invalid(where, absl::StrCat("connect_port ", port, " is out of range"));
  }
  c.connect_port = static_cast<uint16_t>(port);
  if (!in.bindto().empty()) {
    auto ip = CanonicalAddress(in.bindto());
    if (!ip.ok()) return Invalid(where, absl::StrCat("bindto: ", ip.status().message()));
    if ((ip->find(':') == std::string::npos) != (c.connect_ip.find(':') == std::string::npos)) {
      return Invalid(where, absl::StrCat("bindto ", *ip, " and connect address ", c.connect_ip,
                                         " are of different families"));
    }
    c.bindto = *ip;
  }
  if (in.bind_port() > kMaxPort) {
    return Invalid(where, absl::StrCat("bind_port ", in.bind_port(), " is out of range"));
  }
  c.bind_port = static_cast<uint16_t>(in.bind_port());
  c.fwmark = in.fwmark();
  if (in.bind_if().size() >= 16 || HasControlBytes(in.bind_if()) ||
      in.bind_if().find('/') != std::string::npos) {
    return Invalid(where, absl::StrCat("bind_if \"", in.bind_if(), "\" is not an interface name"));
  }
  c.bind_if = in.bind_if();
  return absl::OkStatus();
}

absl::Status HttpFrom(const v1::HttpCheck& h, absl::string_view where, CheckerSpec& c) {
  c.kind = h.ssl() ? CheckKind::kSsl : CheckKind::kHttp;
  if (h.urls().empty()) return Invalid(where, "HTTP_GET/SSL_GET needs at least one url");
  for (const v1::UrlCheck& u : h.urls()) {
    auto url = ParseUrl(u, where);
    if (!url.ok()) return url.status();
    c.urls.push_back(*std::move(url));
  }
  if (HasControlBytes(h.virtualhost()) || HasControlBytes(h.sni())) {
    return Invalid(where, "virtualhost and sni must not contain control characters");
  }
  c.virtualhost = h.virtualhost();
  // enable_sni on an HTTP_GET means nothing (no TLS), as in keepalived; a name
  // asked for explicitly there is a mistake worth saying.
  if (!h.sni().empty() && !h.ssl()) return Invalid(where, "sni is only meaningful for SSL_GET");
  c.sni = !h.ssl() ? "" : !h.sni().empty() ? h.sni() : (h.enable_sni() ? h.virtualhost() : "");
  c.verify_peer = h.verify_peer();
  if (h.has_tls() && !h.ssl()) {
    return Invalid(where, "TLS files are only meaningful for SSL_GET");
  }
  const v1::TlsClient& tls = h.tls();
  for (const std::string* file : {&tls.ca_file(), &tls.certificate_file(), &tls.key_file()}) {
    if (!file->empty() && (file->front() != '/' || HasControlBytes(*file))) {
      return Invalid(where, absl::StrCat("TLS file \"", *file, "\" is not an absolute path"));
    }
  }
  c.ca_file = tls.ca_file();
  c.certificate_file = tls.certificate_file();
  c.key_file = tls.key_file();
  c.key_password = tls.key_password();
  c.http_protocol = h.protocol();
  return absl::OkStatus();
}

absl::Status MiscFrom(const v1::MiscCheck& m, absl::string_view where, CheckerSpec& c) {
  c.kind = CheckKind::kMisc;
  c.argv = proc::SplitCommandLine(m.path());
  if (c.argv.empty()) return Invalid(where, "MISC_CHECK needs misc_path");
  if (c.argv.front().front() != '/') {
    return Invalid(where,
                   absl::StrCat("misc_path \"", c.argv.front(), "\" must be an absolute path"));
  }
  c.misc_timeout = MsOr(m.timeout_ms(), c.retry.delay_loop);
  c.misc_dynamic = m.dynamic();
  c.misc_user = m.user();
  c.misc_group = m.group();
  return absl::OkStatus();
}

absl::Status UdpFrom(const v1::UdpCheck& u, absl::string_view where, CheckerSpec& c) {
  c.kind = CheckKind::kUdp;
  // keepalived sends 32 filler bytes when no payload is set; so does checkd.
  c.udp.payload =
      u.payload().empty() ? std::string("lvs-ha checkd UDP_CHECK probe...", 32) : u.payload();
  c.udp.require_reply = u.require_reply();
  c.udp.reply = u.reply();
  c.udp.ignore_mask = u.reply_mask();
  if (!c.udp.ignore_mask.empty() && c.udp.ignore_mask.size() != c.udp.reply.size()) {
    return Invalid(where, "UDP_CHECK reply_mask must be as long as reply");
  }
  if (!c.udp.reply.empty() && !c.udp.require_reply) {
    return Invalid(where, "UDP_CHECK reply bytes need require_reply");
  }
  c.udp.min_reply_length = u.min_reply_length();
  c.udp.max_reply_length = u.max_reply_length() == 0 ? 255 : u.max_reply_length();
  if (c.udp.max_reply_length > 65535 || c.udp.min_reply_length > c.udp.max_reply_length) {
    return Invalid(where, absl::StrCat("UDP_CHECK reply length ", c.udp.min_reply_length, "-",
                                       c.udp.max_reply_length, " is not a range within 0-65535"));
  }
  if (c.udp.payload.size() > 65507) {
    return Invalid(where, "UDP_CHECK payload is longer than a datagram");
  }
  return absl::OkStatus();
}

absl::Status DnsFrom(const v1::DnsCheck& d, absl::string_view where, CheckerSpec& c) {
  c.kind = CheckKind::kDns;
  c.dns_type = static_cast<uint16_t>(d.type() == v1::DNS_TYPE_UNSPECIFIED ? v1::DNS_SOA : d.type());
  c.dns_name = d.name().empty() ? "." : d.name();
  if (HasControlBytes(c.dns_name)) {
    return Invalid(where, "DNS_CHECK name must not contain control characters");
  }
  if (auto q = BuildDnsQuery(c.dns_name, c.dns_type, 0); !q.ok()) {
    return Invalid(where, q.status().message());
  }
  return absl::OkStatus();
}

absl::Status SmtpFrom(const v1::SmtpCheck& m, absl::string_view where, CheckerSpec& c) {
  c.kind = CheckKind::kSmtp;
  c.helo_name = m.helo_name().empty() ? "smtpchecker.keepalived.org" : m.helo_name();
  if (HasControlBytes(c.helo_name) || c.helo_name.find(' ') != std::string::npos) {
    // Sent in the HELO line: CR/LF would inject commands.
    return Invalid(where, "SMTP_CHECK helo_name must be one word without control characters");
  }
  return absl::OkStatus();
}

absl::Status FileFrom(const v1::FileCheck& f, absl::string_view where, CheckerSpec& c) {
  c.kind = CheckKind::kFile;
  if (f.path().empty() || f.path().front() != '/') {
    return Invalid(where,
                   absl::StrCat("FILE_CHECK file \"", f.path(), "\" must be an absolute path"));
  }
  c.file_path = f.path();
  c.file_weight = f.weight();
  c.file_reverse = f.reverse();
  c.base_weight = f.base_weight();
  c.file_init = f.init_file();
  c.file_init_value = f.init_value();
  c.file_init_overwrite = f.init_overwrite();
  c.warmup = absl::ZeroDuration();  // read at once: its state is known, not probed
  return absl::OkStatus();
}

// The kind and its own settings. Returns keepalived's default retry for the kind: 1
// for the network checkers, 0 for MISC_CHECK (a script is its own judge).
absl::StatusOr<uint32_t> KindFrom(const v1::Checker& in, absl::string_view where, CheckerSpec& c) {
  switch (in.kind_case()) {
    case v1::Checker::kTcp: c.kind = CheckKind::kTcp; return 1;
    case v1::Checker::kHttp:
      if (absl::Status s = HttpFrom(in.http(), where, c); !s.ok()) return s;
      return 1;
    case v1::Checker::kMisc:
      if (absl::Status s = MiscFrom(in.misc(), where, c); !s.ok()) return s;
      return 0;
    case v1::Checker::kPing: c.kind = CheckKind::kPing; return 1;
    case v1::Checker::kUdp:
      if (absl::Status s = UdpFrom(in.udp(), where, c); !s.ok()) return s;
      return 1;
    case v1::Checker::kDns:
      if (absl::Status s = DnsFrom(in.dns(), where, c); !s.ok()) return s;
      return 3;  // keepalived's DNS_DEFAULT_RETRY
    case v1::Checker::kSmtp:
      if (absl::Status s = SmtpFrom(in.smtp(), where, c); !s.ok()) return s;
      return 1;
    case v1::Checker::kFile:
      if (absl::Status s = FileFrom(in.file(), where, c); !s.ok()) return s;
      return 0;  // read, not probed: the file's value is the verdict
    case v1::Checker::KIND_NOT_SET:
      return Invalid(where,
                     "checker has no kind (TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK, "
                     "PING_CHECK, UDP_CHECK, DNS_CHECK, SMTP_CHECK or FILE_CHECK)");
  }
  return 1;
}

absl::StatusOr<CheckerSpec> ParseChecker(const v1::CheckTarget& target, const v1::Checker& in,
                                         const std::string& address, absl::string_view where) {
  CheckerSpec c;
  TimingFrom(target, in, c);
  if (absl::Status s = ConnectionFrom(target, in, address, where, c); !s.ok()) return s;
  auto default_retry = KindFrom(in, where, c);
  if (!default_retry.ok()) return default_retry.status();
  c.retry.retry = in.retry_set() || in.retry() != 0 ? in.retry() : *default_retry;
  // keepalived's DNS_CHECK retries after delay_loop unless told otherwise.
  if (c.kind == CheckKind::kDns && !in.has_delay_before_retry_ms()) {
    c.retry.delay_before_retry = c.retry.delay_loop;
  }
  const bool needs_port =
      c.kind != CheckKind::kMisc && c.kind != CheckKind::kPing && c.kind != CheckKind::kFile;
  if (needs_port && c.connect_port == 0) {
    return Invalid(where, "no port to connect to (set the target's port or connect_port)");
  }
  return c;
}

}  // namespace

const char* CheckKindName(CheckKind kind) {
  switch (kind) {
    case CheckKind::kTcp: return "TCP_CHECK";
    case CheckKind::kHttp: return "HTTP_GET";
    case CheckKind::kSsl: return "SSL_GET";
    case CheckKind::kMisc: return "MISC_CHECK";
    case CheckKind::kPing: return "PING_CHECK";
    case CheckKind::kUdp: return "UDP_CHECK";
    case CheckKind::kDns: return "DNS_CHECK";
    case CheckKind::kSmtp: return "SMTP_CHECK";
    case CheckKind::kFile: return "FILE_CHECK";
  }
  return "?";
}

absl::StatusOr<std::string> CanonicalAddress(absl::string_view text) {
  if (auto a = net::IpAddress::Parse(std::string_view(text.data(), text.size())))
    return a->ToString();
  return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not an IPv4 or IPv6 address"));
}

absl::StatusOr<TargetSpec> TargetSpec::FromProto(const v1::CheckTarget& in) {
  TargetSpec t;
  if (in.id().empty()) return absl::InvalidArgumentError("target has an empty id");
  t.id = in.id();
  auto addr = CanonicalAddress(in.address());
  if (!addr.ok()) return Invalid(t.id, absl::StrCat("address: ", addr.status().message()));
  t.address = *addr;
  if (in.port() > kMaxPort)
    return Invalid(t.id, absl::StrCat("port ", in.port(), " is out of range (0-65535)"));
  t.port = static_cast<uint16_t>(in.port());
  t.alpha = in.alpha();
  for (int i = 0; i < in.checkers_size(); ++i) {
    std::string where = absl::StrCat(t.id, ": checker ", i);
    auto c = ParseChecker(in, in.checkers(i), t.address, where);
    if (!c.ok()) return c.status();
    t.checkers.push_back(*std::move(c));
  }
  t.source = in;
  return t;
}

}  // namespace lvs::checkd
