// lvsctl probe: checkd's ProbeOnce, for a target of the current set or for an
// address typed on the command line (the quickest way to see what a checker sees).
//   lvsctl probe tcp 192.168.64.143:80 [--connect-timeout S]
//   lvsctl probe http|https ADDR:PORT [--path P] [--status CODE] [--virtualhost H] [--digest MD5]
//   lvsctl probe misc ADDR:PORT --script "CMD ARGS" (checkd refuses it unless started
//     with --allow-probe-scripts: it runs a command as checkd's user)
//   lvsctl probe ping ADDR
//   lvsctl probe udp ADDR:PORT [--payload HEX] [--require-reply] [--reply HEX]
//   lvsctl probe dns ADDR:PORT [--type A|NS|...] [--name NAME]
//   lvsctl probe smtp ADDR:PORT [--helo NAME]
// HEX is keepalived's format ("6c 76 73", X nibbles match anything in --reply).
//   lvsctl probe --target ID
#include <cstdio>

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/config/hex_string.h"
#include "lvs/v1/check.grpc.pb.h"
#include "services/cli/client_options.h"
#include "services/cli/command_registry.h"
#include "services/cli/command_support.h"
#include "services/cli/endpoint_syntax.h"

namespace lvs::cli {
namespace {

constexpr char kUsage[] =
    "probe tcp|http|https ADDR:PORT [--connect-timeout S] [--path P] [--status CODE] "
    "[--virtualhost H] [--digest MD5] | probe misc ADDR:PORT --script CMD | probe ping ADDR | "
    "probe udp ADDR:PORT [--payload HEX] [--require-reply] [--reply HEX] | "
    "probe dns ADDR:PORT [--type T] [--name N] | probe smtp ADDR:PORT [--helo NAME] | probe "
    "--target ID";

// Options of the kinds beyond tcp/http/misc; false when `flag` is not one of them.
absl::StatusOr<bool> ApplyKindOption(const std::string& kind, const std::string& flag,
                                     const std::string& v, lvs::v1::Checker* c) {
  if (kind == "udp" && (flag == "--payload" || flag == "--reply")) {
    auto bytes = lvs::config::ParseKeepalivedHex(v, flag == "--reply");
    if (!bytes.ok())
      return absl::InvalidArgumentError(absl::StrCat(flag, ": ", bytes.status().message()));
    if (flag == "--payload") {
      c->mutable_udp()->set_payload(bytes->data);
    } else {
      c->mutable_udp()->set_require_reply(true);
      c->mutable_udp()->set_reply(bytes->data);
      c->mutable_udp()->set_reply_mask(bytes->ignore_mask);
    }
    return true;
  }
  if (kind == "dns" && flag == "--type") {
    lvs::v1::DnsType type;
    if (!lvs::v1::DnsType_Parse("DNS_" + absl::AsciiStrToUpper(v), &type) ||
        type == lvs::v1::DNS_TYPE_UNSPECIFIED)
      return absl::InvalidArgumentError(
          absl::StrCat("'", v, "': expected A, NS, CNAME, SOA, MX, TXT, AAAA, RRSIG or DNSKEY"));
    c->mutable_dns()->set_type(type);
    return true;
  }
  if (kind == "dns" && flag == "--name") {
    c->mutable_dns()->set_name(v);
    return true;
  }
  if (kind == "smtp" && flag == "--helo") {
    c->mutable_smtp()->set_helo_name(v);
    return true;
  }
  return false;
}

// ADDR:PORT; for a ping, which needs no port, a bare address will do.
absl::StatusOr<lvs::v1::RealKey> ProbeAddress(const std::string& kind, const std::string& text) {
  const bool bare_address = kind == "ping" && text.find(']') == std::string::npos &&
                            std::count(text.begin(), text.end(), ':') != 1;
  if (!bare_address) return ParseRealKey(text);
  return ParseRealKey(text.find(':') != std::string::npos ? "[" + text + "]:0" : text + ":0");
}

// The checker of `kind`, with no settings of its own yet.
void SetCheckerKind(const std::string& kind, lvs::v1::Checker* c) {
  if (kind == "tcp")
    c->mutable_tcp();
  else if (kind == "misc")
    c->mutable_misc();
  else if (kind == "ping")
    c->mutable_ping();
  else if (kind == "udp")
    c->mutable_udp();
  else if (kind == "dns")
    c->mutable_dns();
  else if (kind == "smtp")
    c->mutable_smtp();
  else
    c->mutable_http()->set_ssl(kind == "https");
}

// --connect-timeout for every kind, --script for misc, the url's options for http/https.
absl::Status ApplyCommonOption(const std::string& kind, const std::string& flag,
                               const std::string& v, lvs::v1::Checker* c, lvs::v1::UrlCheck& url) {
  uint32_t n;
  if (flag == "--connect-timeout" && absl::SimpleAtoi(v, &n) && n > 0)
    c->set_connect_timeout_ms(n * 1000);
  else if (kind == "misc" && flag == "--script")
    c->mutable_misc()->set_path(v);
  else if (kind != "http" && kind != "https")
    return absl::InvalidArgumentError(absl::StrCat("unexpected '", flag, "' for ", kind));
  else if (flag == "--path")
    url.set_path(v);
  else if (flag == "--digest")
    url.set_digest(v);
  else if (flag == "--virtualhost")
    c->mutable_http()->set_virtualhost(v);
  else if (flag == "--status" && absl::SimpleAtoi(v, &n)) {
    auto* r = url.add_status_codes();
    r->set_low(n);
    r->set_high(n);
  } else
    return absl::InvalidArgumentError(absl::StrCat("bad option '", flag, " ", v, "'"));
  return absl::OkStatus();
}

// The options after ADDR:PORT, onto the checker and (http/https) its one url.
absl::Status ApplyOptions(const std::string& kind, const std::vector<std::string>& args,
                          lvs::v1::Checker* c, lvs::v1::UrlCheck& url) {
  for (size_t i = 2; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (kind == "udp" && flag == "--require-reply") {
      c->mutable_udp()->set_require_reply(true);
      continue;
    }
    if (i + 1 >= args.size())
      return absl::InvalidArgumentError(absl::StrCat(flag, " needs a value"));
    const std::string& v = args[++i];
    auto applied = ApplyKindOption(kind, flag, v, c);
    if (!applied.ok()) return applied.status();
    if (*applied) continue;
    if (absl::Status s = ApplyCommonOption(kind, flag, v, c, url); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// Builds the ad-hoc target from the words after "probe".
absl::StatusOr<lvs::v1::CheckTarget> AdHocTarget(const std::vector<std::string>& args) {
  if (args.size() < 2) return absl::InvalidArgumentError(kUsage);
  const std::string& kind = args[0];
  static const std::set<std::string> kKinds = {"tcp",  "http", "https", "misc",
                                               "ping", "udp",  "dns",   "smtp"};
  if (kKinds.count(kind) == 0)
    return absl::InvalidArgumentError(
        absl::StrCat("'", kind, "': expected tcp, http, https, misc, ping, udp, dns or smtp"));
  auto where = ProbeAddress(kind, args[1]);
  if (!where.ok()) return where.status();
  lvs::v1::CheckTarget t;
  t.set_id(absl::StrCat(kind, " ", args[1]));
  t.set_address(where->address());
  t.set_port(where->port());
  t.set_delay_loop_ms(60000);
  lvs::v1::Checker* c = t.add_checkers();
  c->set_connect_timeout_ms(5000);
  SetCheckerKind(kind, c);
  lvs::v1::UrlCheck url;
  url.set_path("/");
  if (absl::Status s = ApplyOptions(kind, args, c, url); !s.ok()) return s;
  if (kind == "http" || kind == "https") *c->mutable_http()->add_urls() = url;
  if (kind == "misc" && c->misc().path().empty())
    return absl::InvalidArgumentError("misc needs --script CMD");
  return t;
}

int RunProbe(const std::vector<std::string>& raw) {
  std::vector<std::string> args = raw;
  auto opts = ExtractClientOptions(args);
  if (!opts.ok()) return ReportUsage(std::string(opts.status().message()));
  lvs::v1::ProbeOnceRequest req;
  if (args.size() == 2 && args[0] == "--target") {
    req.set_target_id(args[1]);
  } else {
    auto target = AdHocTarget(args);
    if (!target.ok()) return ReportUsage(std::string(target.status().message()));
    *req.mutable_target() = *target;
  }
  auto channel = DaemonChannel(*opts, "checkd");
  if (!channel.ok()) return ReportUsage(std::string(channel.status().message()));
  lvs::v1::ProbeOnceResponse resp;
  auto ctx = CallContext(*opts);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(opts->timeout_s + 60));
  auto s = lvs::v1::CheckerService::NewStub(*channel)->ProbeOnce(ctx.get(), req, &resp);
  if (!s.ok()) return ReportRpcError(*opts, "checkd", s);
  if (opts->json) {
    PrintJson(resp);
    std::printf("\n");
  }
  bool all_ok = resp.results_size() > 0;
  for (const auto& r : resp.results()) {
    all_ok = all_ok && r.ok();
    if (!opts->json)
      std::printf("%s in %.1f ms%s%s\n", r.ok() ? "up" : "DOWN", r.latency_us() / 1000.0,
                  r.reason().empty() ? "" : ": ", r.reason().c_str());
  }
  return all_ok ? kExitOk : kExitFailed;
}

}  // namespace

LVS_CLI_COMMAND("probe",
                "probe tcp|http|https|misc|udp|dns|smtp ADDR:PORT [...] | ping ADDR | --target ID: "
                "checkd's verdict, now",
                RunProbe);

}  // namespace lvs::cli
