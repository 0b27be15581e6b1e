// ConfigBuilder, LVS part: virtual_server_group, virtual_server, real_server and
// the health checkers.
#include <arpa/inet.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/config/config_builder.h"
#include "lib/config/regex_options.h"
#include "lib/config/hex_string.h"
#include "lib/config/keyword_suggester.h"

namespace lvs::config {
namespace {

constexpr int kAny = -1;
constexpr uint64_t kDay = 86'400'000;
constexpr int64_t kMaxInt32 = 2'147'483'647;
// keepalived's LVS_MAX_TIMEOUT (31 days): the kernel would store a larger value as
// something else, and every resync would "repair" it.
constexpr int64_t kMaxPersistence = 2'678'400;

// The schedulers of the Linux IPVS code.
const std::vector<std::string_view>& KernelSchedulers() {
  static const std::vector<std::string_view> kSchedulers = {"rr",    "wrr", "lc", "wlc", "lblc",
                                                            "lblcr", "dh",  "sh", "sed", "nq",
                                                            "fo",    "ovf", "mh", "twos"};
  return kSchedulers;
}

const std::vector<std::string_view>& SchedulerFlags() {
  static const std::vector<std::string_view> kFlags = {
      "flag-1", "flag-2", "flag-3", "sh-port", "sh-fallback", "mh-port", "mh-fallback"};
  return kFlags;
}

bool IsContiguousNetmask(uint32_t host_order) {
  const uint32_t inverted = ~host_order;
  return (inverted & (inverted + 1)) == 0;
}

}  // namespace

template <typename Ctx>
std::vector<ConfigBuilder::Keyword<Ctx>> ConfigBuilder::SettingKeywords(
    std::initializer_list<std::string_view> names) {
  std::vector<Keyword<Ctx>> out;
  for (std::string_view name : names) {
    const bool flag = name == "alpha" || name == "inhibit_on_failure";
    out.push_back(
        Keyword<Ctx>{name, flag ? 0 : 1, 1, BlockUse::kNone,
                     [this](const Statement& s, Ctx& c) { ReadCheckSetting(s, c.settings); }});
  }
  return out;
}

void ConfigBuilder::ReadCheckSetting(const Statement& s, CheckSettings& settings) {
  const std::string& name = s.name();
  if (name == "alpha" || name == "inhibit_on_failure") {
    if (auto v = values_.Bool(s, 0))
      (name == "alpha" ? settings.alpha : settings.inhibit_on_failure) = *v;
  } else if (name == "virtualhost") {
    settings.virtualhost = s.args[0].text;
  } else if (name == "retry" || name == "nb_get_retry") {
    if (name == "nb_get_retry") {
      sink_.Warning(
          s.location(), name,
          absl::StrCat("deprecated alias of 'retry'; taken as 'retry ", s.args[0].text, "'"),
          Replace(s.keyword, "retry", "nb_get_retry is retry"));
    }
    if (auto v = values_.Integer(s, 0, 0, 1'000'000)) settings.retry = *v;
  } else if (name == "connect_timeout") {
    if (auto v = values_.Millis(s, 0, 1, kDay)) settings.connect_timeout_ms = *v;
  } else if (name == "delay_before_retry") {
    if (auto v = values_.Millis(s, 0, 0, kDay)) settings.delay_before_retry_ms = *v;
  } else if (name == "warmup") {
    if (auto v = values_.Millis(s, 0, 0, kDay)) settings.warmup_ms = *v;
  } else if (name == "delay_loop") {
    if (auto v = values_.Millis(s, 0, 10, kDay)) settings.delay_loop_ms = *v;
  }
}

std::optional<v1::Tunnel> ConfigBuilder::ReadTunnel(const Statement& s) {
  // keepalived's svr_forwarding_handler: type ipip|gue|gre, port N (GUE only),
  // nocsum|csum|remcsum. A mistake drops the options (ipip, as keepalived).
  v1::Tunnel t;
  bool port_given = false;
  auto bad = [&](const Token& at, const std::string& why) -> std::optional<v1::Tunnel> {
    sink_.Warning(at.location, s.name(),
                  absl::StrCat(why, "; tunnel options ignored, ipip is used (as keepalived)"));
    return std::nullopt;
  };
  for (size_t i = 1; i < s.args.size(); ++i) {
    const std::string& word = s.args[i].text;
    if (word == "type" || word == "port") {
      if (i + 1 == s.args.size())
        return bad(s.args[i], absl::StrCat("no value after '", word, "'"));
      const Token& value = s.args[++i];
      if (word == "port") {
        auto v = values_.Integer(value, s.name(), 1, 65535);
        if (!v) return std::nullopt;
        t.set_port(static_cast<uint32_t>(*v));
        port_given = true;
      } else if (value.text == "ipip") {
        t.set_type(v1::Tunnel::IPIP);
      } else if (value.text == "gue") {
        t.set_type(v1::Tunnel::GUE);
      } else if (value.text == "gre") {
        t.set_type(v1::Tunnel::GRE);
      } else {
        return bad(value, absl::StrCat("'", value.text, "' is not a tunnel type (ipip, gue, gre)"));
      }
    } else if (word == "nocsum") {
      t.set_checksum(v1::Tunnel::NOCSUM);
    } else if (word == "csum") {
      t.set_checksum(v1::Tunnel::CSUM);
    } else if (word == "remcsum") {
      t.set_checksum(v1::Tunnel::REMCSUM);
    } else {
      return bad(
          s.args[i],
          absl::StrCat("'", word, "' is not a tunnel option (type, port, nocsum, csum, remcsum)"));
    }
  }
  if ((t.type() == v1::Tunnel::GUE) != port_given)
    return bad(s.keyword, "a gue tunnel needs a port, and only gue has one");
  if (t.type() == v1::Tunnel::IPIP && t.checksum() != v1::Tunnel::NOCSUM) {
    return bad(s.keyword, "an ipip tunnel has no checksum option");
  }
  if (t.type() == v1::Tunnel::GRE && t.checksum() == v1::Tunnel::REMCSUM) {
    return bad(s.keyword, "a gre tunnel has no remote checksum option");
  }
  return t;
}

namespace {

// The timing settings a block gave, into a virtual server or a checker.
template <typename Settings, typename Message>
void WriteTiming(const Settings& settings, Message& m) {
  if (settings.delay_loop_ms) m.set_delay_loop_ms(*settings.delay_loop_ms);
  if (settings.retry) m.set_retry(*settings.retry);
  if (settings.delay_before_retry_ms) m.set_delay_before_retry_ms(*settings.delay_before_retry_ms);
  if (settings.connect_timeout_ms) m.set_connect_timeout_ms(*settings.connect_timeout_ms);
}

// The check settings a virtual or real server takes.
const std::initializer_list<std::string_view> kServerSettings = {
    "connect_timeout", "retry", "nb_get_retry",       "delay_before_retry", "warmup",
    "delay_loop",      "alpha", "inhibit_on_failure", "virtualhost"};

}  // namespace

void ConfigBuilder::ReadVirtualServer(const Statement& s, v1::Config& c) {
  VirtualServerContext context{c.add_virtual_servers(), {}, {}, nullptr};
  ReadVirtualServerHeader(s, *context.vs);
  Dispatch(s, Section::kVirtualServer, virtual_server_, context);
  v1::VirtualServer& vs = *context.vs;
  const CheckSettings& settings = context.settings;
  WriteTiming(settings, vs);
  if (settings.warmup_ms) vs.set_warmup_ms(*settings.warmup_ms);
  if (settings.alpha) vs.set_alpha(*settings.alpha);
  if (settings.inhibit_on_failure) vs.set_inhibit_on_failure(*settings.inhibit_on_failure);
  if (settings.virtualhost) vs.set_virtualhost(*settings.virtualhost);
  if (vs.port() == 0 && vs.fwmark() == 0 && vs.group().empty() && !vs.address().empty() &&
      vs.persistence_timeout_s() == 0) {
    sink_.Error(s.location(), s.name(),
                "a virtual server without a port must be persistent "
                "(persistence_timeout)");
  }
  if (vs.has_sorry_server()) {
    if (vs.sorry_server().address().empty()) {
      sink_.Error(s.location(), "sorry_server_lvs_method", "given without a sorry_server");
    } else if (vs.sorry_server().lb_kind() == v1::FORWARDING_METHOD_UNSPECIFIED) {
      vs.mutable_sorry_server()->set_lb_kind(vs.lb_kind());
    }
  }
  for (const Statement* rs : context.real_servers) ReadRealServer(*rs, context);
}

void ConfigBuilder::DefineVirtualServer() {
  using V = VirtualServerContext;
  virtual_server_ = ServiceKeywords();
  Append(virtual_server_, QuorumKeywords());
  // The schedulers' own flags (IP_VS_SVC_F_SCHED1..3).
  for (std::string_view flag : SchedulerFlags()) {
    virtual_server_.push_back({flag, 0, 0, BlockUse::kNone,
                               [](const Statement& s, V& c) { c.vs->add_lb_flags(s.name()); }});
  }
  Append(virtual_server_, SorryServerKeywords());
  Append(virtual_server_, ServiceHealthKeywords());
  // Read once the virtual server's own settings are known (ReadVirtualServer).
  virtual_server_.push_back({"real_server", 1, 2, BlockUse::kOptional,
                             [](const Statement& s, V& c) { c.real_servers.push_back(&s); }});
  Register(Section::kVirtualServer, virtual_server_);
}

// What IPVS is told: the service's family, protocol, scheduler, forwarding method and
// persistence.
ConfigBuilder::Table<ConfigBuilder::VirtualServerContext> ConfigBuilder::ServiceKeywords() {
  using V = VirtualServerContext;
  using S = v1::VirtualServer;
  auto scheduler = std::bind_front(&ConfigBuilder::ReadScheduler, this);
  auto method = [this](const Statement& s, V& c) { ReadMethod(s, *c.vs); };
  return {
      {"ip_family", 1, 1, BlockUse::kNone, std::bind_front(&ConfigBuilder::ReadIpFamily, this)},
      {"protocol", 1, 1, BlockUse::kNone,
       [this](const Statement& s, V& c) {
         const std::string p = absl::AsciiStrToUpper(s.args[0].text);
         if (p == "TCP") {
           c.vs->set_protocol(v1::TCP);
         } else if (p == "UDP") {
           c.vs->set_protocol(v1::UDP);
         } else if (p == "SCTP") {
           c.vs->set_protocol(v1::SCTP);
         } else {
           sink_.Warning(s.args[0].location, s.name(),
                         absl::StrCat("'", s.args[0].text,
                                      "' is not TCP, UDP or SCTP; ignored, TCP is used"));
         }
       }},
      {"lb_algo", 1, 1, BlockUse::kNone, scheduler},
      {"lvs_sched", 1, 1, BlockUse::kNone, scheduler},
      {"lb_kind", 1, kAny, BlockUse::kNone, method},
      {"lvs_method", 1, kAny, BlockUse::kNone, method},
      {"ops", 0, 0, BlockUse::kNone, Flag(&S::set_ops)},
      {"persistence_timeout", 0, 1, BlockUse::kNone,
       [this](const Statement& s, V& c) {
         if (s.args.empty()) {
           c.vs->set_persistence_timeout_s(360);  // keepalived's default: 6 minutes
         } else if (auto v = values_.Integer(s, 0, 1, kMaxPersistence)) {
           c.vs->set_persistence_timeout_s(*v);
         }
       }},
      {"persistence_granularity", 1, 1, BlockUse::kNone,
       std::bind_front(&ConfigBuilder::ReadPersistenceGranularity, this)},
      {"persistence_engine", 1, 1, BlockUse::kNone,
       [this](const Statement& s, V& c) {
         std::string name = s.args[0].text;
         if (name.size() > 15) {  // the kernel's IP_VS_PENAME_MAXLEN, less the NUL
           sink_.Warning(s.args[0].location, s.name(),
                         absl::StrCat("longer than 15 characters; cut to '", name.substr(0, 15),
                                      "' (as keepalived)"));
           name.resize(15);
         }
         c.vs->set_persistence_engine(name);
       }},
  };
}

void ConfigBuilder::ReadIpFamily(const Statement& s, VirtualServerContext& c) {
  const std::string& word = s.args[0].text;
  if (word != "inet" && word != "inet6") {
    sink_.Warning(s.args[0].location, s.name(),
                  absl::StrCat("'", word, "' is not inet or inet6; ignored (as keepalived)"));
    return;
  }
  const bool v6 = word == "inet6";
  if (!c.vs->address().empty() && c.vs->ipv6() != v6) {
    sink_.Warning(s.args[0].location, s.name(),
                  absl::StrCat("'", word,
                               "' conflicts with the virtual server's address; ignored (as "
                               "keepalived)"));
    return;
  }
  // A fwmark service's family; an address service's is its address's.
  c.vs->set_ipv6(v6);
  c.family_set = true;
}

void ConfigBuilder::ReadScheduler(const Statement& s, VirtualServerContext& c) {
  const std::string& name = s.args[0].text;
  const auto& known = KernelSchedulers();
  if (std::find(known.begin(), known.end(), name) != known.end()) {
    c.vs->set_lb_algo(name);
    return;
  }
  std::string message = absl::StrCat(
      "'", name, "' is not a kernel IPVS scheduler (",
      absl::StrJoin(known, " ", [](std::string* out, std::string_view name) { out->append(name); }),
      ")");
  // keepalived: "Invalid lvs_scheduler - ignoring"; its default, wlc, is used.
  absl::StrAppend(&message, "; ignored, wlc is used (as keepalived)");
  if (auto suggestion = SuggestKeyword(name, known)) {
    absl::StrAppend(&message, "; did you mean '", *suggestion, "'?");
  }
  sink_.Warning(s.args[0].location, s.name(), message);
}

template <typename Server>
bool ConfigBuilder::ReadMethod(const Statement& s, Server& server) {
  auto m = values_.Method(s.args[0], s.name());
  if (m) server.set_lb_kind(*m);
  if (s.args.size() > 1 && m != v1::TUN) {
    sink_.Warning(s.args[1].location, s.name(),
                  "options after a method other than TUN; ignored (as keepalived)");
  } else if (s.args.size() > 1) {
    if (auto t = ReadTunnel(s)) *server.mutable_tunnel() = *t;
  }
  return m.has_value();
}

void ConfigBuilder::ReadPersistenceGranularity(const Statement& s, VirtualServerContext& c) {
  const std::string& text = s.args[0].text;
  in_addr mask{};
  uint32_t prefix = 0;
  if (text.find('.') != std::string::npos) {
    if (inet_pton(AF_INET, text.c_str(), &mask) == 1 && IsContiguousNetmask(ntohl(mask.s_addr))) {
      c.vs->set_persistence_granularity(text);
      return;
    }
  } else if (absl::SimpleAtoi(text, &prefix) && prefix >= 1 && prefix <= 128) {
    c.vs->set_persistence_granularity(text);
    return;
  }
  sink_.Warning(s.args[0].location, s.name(),
                absl::StrCat("'", text,
                             "' is not a netmask (e.g. 255.255.255.0) or an IPv6 prefix "
                             "length 1-128; ignored"));
}

// When the real servers in service are enough, and who hears when they are not.
ConfigBuilder::Table<ConfigBuilder::VirtualServerContext> ConfigBuilder::QuorumKeywords() {
  using S = v1::VirtualServer;
  return {
      {"quorum", 1, 1, BlockUse::kNone, Int(&S::set_quorum, 1, kMaxInt32)},
      {"hysteresis", 1, 1, BlockUse::kNone, Int(&S::set_hysteresis, 0, kMaxInt32)},
      {"quorum_up", 1, 3, BlockUse::kNone, Script(&S::mutable_quorum_up)},
      {"quorum_down", 1, 3, BlockUse::kNone, Script(&S::mutable_quorum_down)},
      {"omega", 0, 0, BlockUse::kNone, Flag(&S::set_omega)},
      {"smtp_alert", 0, 1, BlockUse::kNone, Bool(&S::set_smtp_alert)},
  };
}

// Where clients go when no real server is in service.
ConfigBuilder::Table<ConfigBuilder::VirtualServerContext> ConfigBuilder::SorryServerKeywords() {
  using V = VirtualServerContext;
  using S = v1::VirtualServer;
  return {
      {"sorry_server", 1, 2, BlockUse::kNone,
       [this](const Statement& s, V& c) {
         auto ip = values_.Ip(s.args[0], s.name());
         if (!ip) return;
         auto* sorry = c.vs->mutable_sorry_server();
         sorry->set_address(ip->ToString());
         if (s.args.size() > 1) {
           if (auto port = values_.Integer(s, 1, 0, 65535)) sorry->set_port(*port);
         } else {
           sorry->set_port(c.vs->port());
         }
       }},
      {"sorry_server_inhibit", 0, 1, BlockUse::kNone, Bool(&S::set_sorry_server_inhibit)},
      {"sorry_server_lvs_method", 1, kAny, BlockUse::kNone,
       [this](const Statement& s, V& c) {
         if (auto m = values_.Method(s.args[0], s.name())) {
           c.vs->mutable_sorry_server()->set_lb_kind(*m);
         }
       }},
  };
}

// When and how its real servers are checked: the checkers' settings (a real server's
// or a checker's own win), ha_suspend, lvs-ha's passive health.
ConfigBuilder::Table<ConfigBuilder::VirtualServerContext> ConfigBuilder::ServiceHealthKeywords() {
  using V = VirtualServerContext;
  Table<V> keywords = {
      // Checks run only while the virtual address is on one of this host's
      // interfaces (on the VRRP master): a backup does not probe.
      {"ha_suspend", 0, 0, BlockUse::kNone,
       [this](const Statement& s, V& c) {
         if (c.vs->fwmark() != 0) {
           sink_.Warning(s.keyword.location, s.name(),
                         "a fwmark service has no address to watch; ignored (as keepalived)");
           return;
         }
         c.vs->set_ha_suspend(true);
       }},
  };
  // lvs-ha's own (keepalived logs these as unknown and runs the file).
  Append(keywords, PassiveCheckKeywords<V>(&v1::VirtualServer::mutable_passive_check));
  Append(keywords, SettingKeywords<V>(kServerSettings));
  return keywords;
}

void ConfigBuilder::DefineRealServer() {
  using R = RealServerContext;
  using S = v1::RealServer;
  real_server_ = {
      {"smtp_alert", 0, 1, BlockUse::kNone, Bool(&S::set_smtp_alert)},
      // keepalived's IPVS_WEIGHT_LIMIT; the kernel stores a signed 32-bit weight.
      {"weight", 1, 1, BlockUse::kNone, Int(&S::set_weight, 0, kMaxInt32)},
      {"uthreshold", 1, 1, BlockUse::kNone, Int(&S::set_uthreshold, 0, kMaxInt32)},
      {"lthreshold", 1, 1, BlockUse::kNone, Int(&S::set_lthreshold, 0, kMaxInt32)},
      {"notify_up", 1, 3, BlockUse::kNone, Script(&S::mutable_notify_up)},
      {"notify_down", 1, 3, BlockUse::kNone, Script(&S::mutable_notify_down)},
      // Only lvs_method: keepalived 2.2.7's real_server has no lb_kind (it is
      // skipped there as an unknown keyword, and the virtual server's method holds).
      {"lvs_method", 1, kAny, BlockUse::kNone,
       [this](const Statement& s, R& c) {
         if (ReadMethod(s, *c.rs)) c.lb_kind_set = true;
       }},
  };
  // Read once the real server's own settings are known (ReadChecker).
  for (std::string_view kind : {"TCP_CHECK", "HTTP_GET", "SSL_GET", "MISC_CHECK", "PING_CHECK",
                                "UDP_CHECK", "DNS_CHECK", "SMTP_CHECK", "FILE_CHECK"}) {
    real_server_.push_back({kind, 0, 0, BlockUse::kRequired,
                            [](const Statement& s, R& c) { c.checkers.push_back(&s); }});
  }
  Append(real_server_, SettingKeywords<R>(kServerSettings));
  Register(Section::kRealServer, real_server_);
}

void ConfigBuilder::DefineCheckers() {
  using C = CheckerContext;
  const std::vector<Keyword<C>> timing =
      SettingKeywords<C>({"connect_timeout", "retry", "nb_get_retry", "delay_before_retry",
                          "warmup", "delay_loop", "alpha"});
  const std::vector<Keyword<C>> connection = ConnectionKeywords();
  auto join = [](std::initializer_list<const std::vector<Keyword<C>>*> parts) {
    std::vector<Keyword<C>> out;
    for (const auto* part : parts) out.insert(out.end(), part->begin(), part->end());
    return out;
  };
  const std::vector<Keyword<C>> http = HttpKeywords(), misc = MiscKeywords(), udp = UdpKeywords(),
                                dns = DnsKeywords(), smtp = SmtpKeywords();
  tcp_check_ = join({&connection, &timing});
  http_check_ = join({&connection, &timing, &http});
  misc_check_ = join({&timing, &misc});
  udp_check_ = join({&connection, &timing, &udp});
  dns_check_ = join({&connection, &timing, &dns});
  smtp_check_ = join({&connection, &timing, &smtp});
  smtp_host_ = join({&connection, &timing});
  file_check_ = FileKeywords();
  Register(Section::kChecker, tcp_check_);
  Register(Section::kHttpCheck, http_check_);
  Register(Section::kMiscCheck, misc_check_);
  Register(Section::kPingCheck, tcp_check_);
  Register(Section::kUdpCheck, udp_check_);
  Register(Section::kDnsCheck, dns_check_);
  Register(Section::kSmtpCheck, smtp_check_);
  Register(Section::kSmtpHost, smtp_host_);
  Register(Section::kFileCheck, file_check_);
  DefineTrackFile();
  DefineUrl();
}

// Where a checker connects to and from (all but MISC_CHECK and FILE_CHECK take them).
ConfigBuilder::Table<ConfigBuilder::CheckerContext> ConfigBuilder::ConnectionKeywords() {
  using C = CheckerContext;
  using K = v1::Checker;
  // Given, even with a bad value: SMTP_CHECK's first host then does not replace the
  // checker (ReadSmtpHosts).
  auto connection = [](auto handler) {
    return [handler](const Statement& s, C& c) {
      handler(s, c);
      c.connection_set = true;
    };
  };
  return {
      {"connect_ip", 1, 1, BlockUse::kNone, connection(Address(&K::mutable_connect_ip))},
      {"connect_port", 1, 1, BlockUse::kNone, connection(Int(&K::set_connect_port, 1, 65535))},
      {"bindto", 1, 1, BlockUse::kNone, connection(Address(&K::mutable_bindto))},
      {"bind_port", 1, 1, BlockUse::kNone, connection(Int(&K::set_bind_port, 1, 65535))},
      {"bind_if", 1, 1, BlockUse::kNone,
       [this](const Statement& s, C& c) {
         if (s.args[0].text.size() >= 16 || s.args[0].text.find('/') != std::string::npos) {
           sink_.Warning(s.args[0].location, s.name(),
                         "is not an interface name (at most 15 characters); ignored");
           return;
         }
         c.checker->set_bind_if(s.args[0].text);
         c.connection_set = true;
       }},
      {"fwmark", 1, 1, BlockUse::kNone, connection(Int(&K::set_fwmark, 0, 4'294'967'295))},
  };
}

ConfigBuilder::Table<ConfigBuilder::CheckerContext> ConfigBuilder::HttpKeywords() {
  using C = CheckerContext;
  using H = v1::HttpCheck;
  return {
      {"url", 0, 0, BlockUse::kRequired,
       [this](const Statement& s, C& c) {
         v1::UrlCheck* url = c.checker->mutable_http()->add_urls();
         Dispatch(s, Section::kUrl, url_, *url);
         if (url->path().empty()) sink_.Error(s.location(), s.name(), "has no 'path'");
         FinishUrl(s, *url);
       }},
      {"virtualhost", 1, 1, BlockUse::kNone,
       [this](const Statement& s, C& c) { ReadCheckSetting(s, c.settings); }},
      {"http_protocol", 1, 1, BlockUse::kNone,
       [this](const Statement& s, C& c) {
         const std::string& v = s.args[0].text;
         if (v == "1.0") {
           c.checker->mutable_http()->set_protocol(v1::HTTP_1_0);
         } else if (v == "1.0C" || v == "1.0c") {
           c.checker->mutable_http()->set_protocol(v1::HTTP_1_0C);
         } else if (v == "1.1") {
           c.checker->mutable_http()->set_protocol(v1::HTTP_1_1);
         } else {
           sink_.Warning(
               s.args[0].location, s.name(),
               absl::StrCat("'", v, "' is not 1.0, 1.0C or 1.1; 1.0 is used (as keepalived)"));
         }
       }},
      {"sni_name", 1, 1, BlockUse::kNone,
       [this](const Statement& s, C& c) {
         // keepalived (after 2.2.7): the name to send, and SNI on.
         if (!c.checker->http().ssl()) {
           sink_.Warning(s.location(), s.name(), "only SSL_GET sends a TLS server name; ignored");
           return;
         }
         c.checker->mutable_http()->set_sni(s.args[0].text);
         c.checker->mutable_http()->set_enable_sni(true);
       }},
      {"enable_sni", 0, 1, BlockUse::kNone,
       Bool(In(&v1::Checker::mutable_http, &H::set_enable_sni))},
      // keepalived checks one url per delay_loop, and all at once only while a
      // real server recovers with fast_recovery; checkd checks every url in each
      // round anyway, so the keyword asks for what it already does.
      {"fast_recovery", 0, 1, BlockUse::kNone, Bool(Discard{})},
      // See the url's tls_compliant.
      {"tls_compliant", 0, 1, BlockUse::kNone,
       [this](const Statement& s, C& c) {
         if (!c.checker->http().ssl()) {
           sink_.Warning(s.location(), s.name(), "only SSL_GET speaks TLS; ignored");
         }
         values_.Bool(s, 0);
       }},
  };
}

ConfigBuilder::Table<ConfigBuilder::CheckerContext> ConfigBuilder::MiscKeywords() {
  using K = v1::Checker;
  using M = v1::MiscCheck;
  return {
      {"misc_path", 1, kAny, BlockUse::kNone, Words(In(&K::mutable_misc, &M::mutable_path))},
      {"misc_timeout", 1, 1, BlockUse::kNone,
       Millis(In(&K::mutable_misc, &M::set_timeout_ms), 1, kDay)},
      {"misc_dynamic", 0, 0, BlockUse::kNone, Flag(In(&K::mutable_misc, &M::set_dynamic))},
      {"user", 1, 2, BlockUse::kNone,
       UserAndGroup(In(&K::mutable_misc, &M::mutable_user),
                    In(&K::mutable_misc, &M::mutable_group))},
  };
}

ConfigBuilder::Table<ConfigBuilder::CheckerContext> ConfigBuilder::UdpKeywords() {
  using C = CheckerContext;
  using K = v1::Checker;
  using U = v1::UdpCheck;
  // keepalived's free hex format; X nibbles (wildcards) only in require_reply.
  auto hex = [this](const Statement& s, bool wildcard) -> std::optional<HexBytes> {
    auto bytes = ParseKeepalivedHex(JoinArgs(s), wildcard);
    if (!bytes.ok()) {
      sink_.Warning(s.args[0].location, s.name(),
                    absl::StrCat("is not a hex string (", bytes.status().message(),
                                 "); ignored (as keepalived)"));
      return std::nullopt;
    }
    return *std::move(bytes);
  };
  return {
      {"payload", 1, kAny, BlockUse::kNone,
       [hex](const Statement& s, C& c) {
         if (auto b = hex(s, false)) c.checker->mutable_udp()->set_payload(b->data);
       }},
      {"require_reply", 0, kAny, BlockUse::kNone,
       [hex](const Statement& s, C& c) {
         v1::UdpCheck* u = c.checker->mutable_udp();
         u->set_require_reply(true);
         if (s.args.empty()) return;
         if (auto b = hex(s, true)) {
           u->set_reply(b->data);
           u->set_reply_mask(b->ignore_mask);
         }
       }},
      {"min_reply_length", 1, 1, BlockUse::kNone,
       Int(In(&K::mutable_udp, &U::set_min_reply_length), 0, 65535)},
      {"max_reply_length", 1, 1, BlockUse::kNone,
       Int(In(&K::mutable_udp, &U::set_max_reply_length), 0, 65535)},
  };
}

ConfigBuilder::Table<ConfigBuilder::CheckerContext> ConfigBuilder::DnsKeywords() {
  using C = CheckerContext;
  return {
      {"type", 1, 1, BlockUse::kNone,
       [this](const Statement& s, C& c) {
         v1::DnsType type;
         if (!v1::DnsType_Parse("DNS_" + absl::AsciiStrToUpper(s.args[0].text), &type) ||
             type == v1::DNS_TYPE_UNSPECIFIED) {
           sink_.Warning(s.args[0].location, s.name(),
                         absl::StrCat("'", s.args[0].text,
                                      "' is not a DNS_CHECK type (A, NS, CNAME, SOA, MX, TXT, "
                                      "AAAA, RRSIG, DNSKEY); SOA is used (as keepalived)"));
           return;
         }
         c.checker->mutable_dns()->set_type(type);
       }},
      {"name", 1, 1, BlockUse::kNone,
       [this](const Statement& s, C& c) {
         const std::string& name = s.args[0].text;
         if (!c.checker->dns().name().empty()) {
           sink_.Warning(s.location(), s.name(), "given twice; the first is used (as keepalived)");
           return;
         }
         const bool empty_label =
             (name.size() > 1 && name[0] == '.') || name.find("..") != std::string::npos;
         bool too_long = name.size() > 253;
         for (absl::string_view label : absl::StrSplit(name, '.')) too_long |= label.size() > 63;
         if (empty_label || too_long) {
           sink_.Warning(s.args[0].location, s.name(),
                         absl::StrCat("'", name,
                                      "' is not a DNS name (an empty or over-long label); the "
                                      "root is asked for (as keepalived)"));
           return;
         }
         c.checker->mutable_dns()->set_name(name);
       }},
  };
}

ConfigBuilder::Table<ConfigBuilder::CheckerContext> ConfigBuilder::SmtpKeywords() {
  using C = CheckerContext;
  return {
      {"helo_name", 1, 1, BlockUse::kNone,
       [this](const Statement& s, C& c) {
         const std::string& name = s.args[0].text;
         if (name.find_first_of(" \t\r\n") != std::string::npos) {
           sink_.Warning(s.args[0].location, s.name(), "must be one word; the default is used");
           return;
         }
         c.checker->mutable_smtp()->set_helo_name(name);
       }},
      {"host", 0, 0, BlockUse::kRequired,
       [this](const Statement& s, C& c) {
         sink_.Warning(s.keyword.location, s.name(),
                       "deprecated by keepalived (\"define additional checkers\"); each host is "
                       "checked as its own SMTP_CHECK, and all must pass");
         c.smtp_hosts.push_back(&s);
       }},
  };
}

ConfigBuilder::Table<ConfigBuilder::CheckerContext> ConfigBuilder::FileKeywords() {
  using C = CheckerContext;
  return {
      {"track_file", 1, 1, BlockUse::kNone,
       std::bind_front(&ConfigBuilder::ReadCheckerTrackFile, this)},
      {"weight", 1, 2, BlockUse::kNone,
       [this](const Statement& s, C& c) {
         auto w = values_.Integer(s, 0, -kMaxInt32, kMaxInt32);
         if (!w) return;
         bool reverse = false;
         if (s.args.size() > 1) {
           if (s.args[1].text != "reverse" && s.args[1].text != "noreverse") {
             sink_.Warning(s.args[1].location, s.name(),
                           "expects 'reverse' or 'noreverse'; the weight is ignored (as "
                           "keepalived)");
             return;
           }
           reverse = s.args[1].text == "reverse";
         }
         c.checker->mutable_file()->set_weight(static_cast<int32_t>(*w));
         c.checker->mutable_file()->set_reverse(reverse);
         c.settings.alpha = false;  // marks "weight given here" for track_file above
       }},
  };
}

// FILE_CHECK's "track_file NAME": a track_file block above.
void ConfigBuilder::ReadCheckerTrackFile(const Statement& s, CheckerContext& c) {
  for (const v1::TrackFile& tf : config_->track_files()) {
    if (tf.name() != s.args[0].text) continue;
    v1::FileCheck* f = c.checker->mutable_file();
    f->set_track_file(tf.name());
    f->set_path(tf.path());
    if (!c.settings.alpha) {  // not yet given a weight of its own: the track_file's
      f->set_weight(tf.weight());
      f->set_reverse(tf.reverse());
    }
    f->set_init_file(tf.init_file());
    f->set_init_value(tf.init_value());
    f->set_init_overwrite(tf.init_overwrite());
    return;
  }
  sink_.Warning(s.args[0].location, s.name(),
                absl::StrCat("no track_file '", s.args[0].text,
                             "' is defined above this line; ignored (as keepalived)"));
}

void ConfigBuilder::DefineTrackFile() {
  using T = v1::TrackFile;
  track_file_ = {
      {"file", 1, 1, BlockUse::kNone,
       [this](const Statement& s, T& t) {
         if (!t.path().empty()) {
           sink_.Warning(s.location(), s.name(), "given twice; the first is used (as keepalived)");
           return;
         }
         t.set_path(s.args[0].text);
       }},
      {"weight", 1, 2, BlockUse::kNone,
       [this](const Statement& s, T& t) {
         if (auto w = values_.Integer(s, 0, -254, 254)) t.set_weight(static_cast<int32_t>(*w));
         if (s.args.size() > 1) {
           if (s.args[1].text == "reverse") {
             t.set_reverse(true);
           } else {
             sink_.Warning(s.args[1].location, s.name(),
                           "expects 'reverse'; ignored (as keepalived)");
           }
         }
       }},
      {"init_file", 0, 2, BlockUse::kNone,
       [this](const Statement& s, T& t) {
         t.set_init_file(true);
         for (const Token& word : s.args) {
           if (word.text == "overwrite") {
             t.set_init_overwrite(true);
           } else if (auto v = values_.Integer(word, s.name(), INT32_MIN, kMaxInt32)) {
             t.set_init_value(static_cast<int32_t>(*v));
           }
         }
       }},
  };
  Register(Section::kTrackFile, track_file_);
}

void ConfigBuilder::DefineUrl() {
  using U = v1::UrlCheck;
  url_ = {
      {"path", 1, 1, BlockUse::kNone, Text(&U::mutable_path)},
      {"digest", 1, 1, BlockUse::kNone,
       [this](const Statement& s, U& u) {
         const std::string digest = absl::AsciiStrToLower(s.args[0].text);
         if (digest.size() != 32 || !std::all_of(digest.begin(), digest.end(), [](char ch) {
               return absl::ascii_isxdigit(static_cast<unsigned char>(ch));
             })) {
           sink_.Warning(s.args[0].location, s.name(),
                         "expects an MD5 digest: 32 hexadecimal digits (as genhash prints); "
                         "ignored");
           return;
         }
         u.set_digest(digest);
       }},
      {"status_code", 1, kAny, BlockUse::kNone,
       std::bind_front(&ConfigBuilder::ReadStatusCodes, this)},
      {"virtualhost", 1, 1, BlockUse::kNone, Text(&U::mutable_virtualhost)},
      // The pattern is compiled once the url's options are known (FinishUrl).
      {"regex", 1, 1, BlockUse::kNone, Text(&U::mutable_regex)},
      {"regex_no_match", 0, 0, BlockUse::kNone, Flag(&U::set_regex_no_match)},
      {"regex_options", 1, kAny, BlockUse::kNone,
       [this](const Statement& s, U& u) {
         for (const Token& word : s.args) {
           if (auto bit = RegexOptionBit(word.text)) {
             u.set_regex_options(u.regex_options() | *bit);
           } else {
             sink_.Warning(word.location, s.name(),
                           absl::StrCat("'", word.text,
                                        "' is not one of keepalived's PCRE2 options; ignored"));
           }
         }
       }},
      {"regex_min_offset", 1, 1, BlockUse::kNone, Int(&U::set_regex_min_offset, 0, INT64_MAX)},
      // keepalived keeps one beyond the last position a match may start at.
      {"regex_max_offset", 1, 1, BlockUse::kNone,
       Int([](U& u, int64_t v) { u.set_regex_max_end(static_cast<uint64_t>(v) + 1); }, 0,
           INT64_MAX - 1)},
      // keepalived sizes PCRE2's JIT stack with it; checkd's matcher runs without the
      // JIT, on the heap, and needs no stack size.
      {"regex_stack", 2, 2, BlockUse::kNone, [](const Statement&, U&) {}},
      // Newer keepalived's close_notify at the end of an SSL_GET; checkd's TLS
      // (libcurl's OpenSSL) always sends it.
      {"tls_compliant", 0, 1, BlockUse::kNone, Bool(Discard{})},
  };
  Register(Section::kUrl, url_);
}

// "status_code 200 300-399 ...": codes and ranges within 100-599.
void ConfigBuilder::ReadStatusCodes(const Statement& s, v1::UrlCheck& u) {
  for (const Token& token : s.args) {
    std::vector<std::string> bounds = absl::StrSplit(token.text, absl::MaxSplits('-', 1));
    uint32_t low = 0, high = 0;
    const bool ok =
        absl::SimpleAtoi(bounds[0], &low) &&
        (bounds.size() == 1 ? (high = low, true) : absl::SimpleAtoi(bounds[1], &high)) &&
        low >= 100 && high <= 599 && low <= high;
    if (!ok) {
      sink_.Warning(token.location, s.name(),
                    absl::StrCat("'", token.text,
                                 "' is not an HTTP status code or range within 100-599; ignored"));
      continue;
    }
    auto* range = u.add_status_codes();
    range->set_low(low);
    range->set_high(high);
  }
}

void ConfigBuilder::ReadVirtualServerHeader(const Statement& s, v1::VirtualServer& vs) {
  *vs.mutable_location() = sink_.ToProto(s.location());
  vs.set_protocol(v1::TCP);
  vs.set_delay_loop_ms(60'000);
  vs.set_lb_algo("wlc");
  vs.set_lb_kind(v1::NAT);
  vs.set_quorum(1);
  const Token& first = s.args[0];
  if (first.text == "fwmark" || first.text == "group") {
    if (s.args.size() != 2) {
      sink_.Error(first.location, s.name(),
                  absl::StrCat("'", first.text, "' expects a ",
                               first.text == "fwmark" ? "mark number" : "group name"));
      return;
    }
    if (first.text == "group") {
      vs.set_group(s.args[1].text);
    } else if (auto mark = values_.Integer(s, 1, 1, 4'294'967'295)) {
      vs.set_fwmark(*mark);
    }
    return;
  }
  auto ip = values_.Ip(first, s.name());
  if (!ip) return;
  vs.set_address(ip->ToString());
  vs.set_ipv6(ip->is_v6());
  if (s.args.size() > 1) {
    if (auto port = values_.Integer(s, 1, 1, 65535)) vs.set_port(*port);
  }
}

void ConfigBuilder::ReadVirtualServerGroup(const Statement& s, v1::VirtualServerGroup& group) {
  for (const Statement* entry : ListEntries(s)) {
    v1::VirtualServerGroupEntry item;
    *item.mutable_location() = sink_.ToProto(entry->location());
    if (entry->name() == "fwmark") {
      if (entry->args.empty() || entry->args.size() > 2) {
        sink_.Error(entry->location(), "fwmark", "expects a mark number and optionally inet|inet6");
        continue;
      }
      auto mark = values_.Integer(entry->args[0], "fwmark", 1, 4'294'967'295);
      if (!mark) continue;
      item.set_fwmark(*mark);
      if (entry->args.size() == 2) {
        const std::string& family = entry->args[1].text;
        if (family != "inet" && family != "inet6") {
          sink_.Error(entry->args[1].location, "fwmark",
                      absl::StrCat("'", family, "' is not inet or inet6"));
          continue;
        }
        item.set_ipv6(family == "inet6");
      }
      *group.add_entries() = std::move(item);
      continue;
    }
    // ADDR, ADDR/LEN, ADDR-LAST_PART or ADDR-ADDR.
    const std::string& text = entry->name();
    const size_t dash = text.find('-');
    Token base = entry->keyword;
    base.text = text.substr(0, dash);
    uint32_t prefix_len = 0;
    auto ip = values_.IpWithPrefix(base, s.name(), &prefix_len);
    if (!ip) continue;
    if (dash != std::string::npos) {
      // The same reading ipvsd expands it with.
      auto range = net::IpRange::Parse(ip->ToString() + text.substr(dash));
      if (auto* error = std::get_if<net::IpRange::Error>(&range)) {
        sink_.Error(entry->location(), s.name(),
                    *error == net::IpRange::Error::kBackwards
                        ? absl::StrCat("'", text, "': the range must end at or after its start")
                        : absl::StrCat("'", text, "' is not an address range"));
        continue;
      }
    }
    item.set_address(text);
    item.set_ipv6(ip->is_v6());
    if (!entry->args.empty()) {
      if (auto port = values_.Integer(entry->args[0], s.name(), 0, 65535)) item.set_port(*port);
      if (entry->args.size() > 1) {
        sink_.Error(entry->args[1].location, s.name(), "expects ADDRESS [PORT]");
      }
    }
    *group.add_entries() = std::move(item);
  }
}

void ConfigBuilder::ReadRealServer(const Statement& s, VirtualServerContext& parent) {
  v1::VirtualServer& vs = *parent.vs;
  RealServerContext context{vs.add_real_servers(), {}, false, {}};
  v1::RealServer& rs = *context.rs;
  *rs.mutable_location() = sink_.ToProto(s.location());
  rs.set_weight(1);
  if (auto ip = values_.Ip(s.args[0], s.name())) {
    rs.set_address(ip->ToString());
    if (vs.fwmark() != 0 && ip->is_v6() && !parent.family_set) vs.set_ipv6(true);
  }
  if (s.args.size() > 1) {
    if (auto port = values_.Integer(s, 1, 0, 65535)) rs.set_port(*port);
  } else {
    rs.set_port(vs.port());
  }
  Dispatch(s, Section::kRealServer, real_server_, context);
  CheckSettings effective = parent.settings;
  effective.Override(context.settings);
  if (!context.lb_kind_set) {
    rs.set_lb_kind(vs.lb_kind());
    if (vs.has_tunnel())
      *rs.mutable_tunnel() = vs.tunnel();  // keepalived copies the VS's tun_* too
  }
  rs.set_inhibit_on_failure(effective.inhibit_on_failure.value_or(false));
  rs.set_alpha(effective.alpha.value_or(false));
  rs.set_delay_loop_ms(effective.delay_loop_ms.value_or(vs.delay_loop_ms()));
  for (const Statement* checker : context.checkers) ReadChecker(*checker, context, parent);
  static const std::vector<std::string_view> kNotRun = {"BFD_CHECK"};
  for (const Statement& child : s.children) {
    if (std::find(kNotRun.begin(), kNotRun.end(), child.name()) != kNotRun.end()) {
      rs.add_unimplemented_checkers(child.name());
    }
  }
  if (rs.checkers_size() == 0 && rs.unimplemented_checkers_size() > 0) {
    // keepalived would take it out when its check fails; lvs-ha cannot tell.
    sink_.Warning(
        s.location(), s.name(),
        absl::StrCat(rs.address(), ":", rs.port(),
                     " will never be checked: lvs-ha does not "
                     "run ",
                     absl::StrJoin(rs.unimplemented_checkers(), ", "),
                     " (keepalived runs a BFD daemon of its own for it; lvs-ha has none yet), so "
                     "it stays in rotation whatever its health (shown UNCHECKED); add another "
                     "checker (TCP_CHECK, PING_CHECK, ...)"));
  }
}

void ConfigBuilder::ReadChecker(const Statement& s, const RealServerContext& parent,
                                const VirtualServerContext& vs) {
  v1::RealServer& rs = *parent.rs;
  v1::Checker& checker = *rs.add_checkers();
  *checker.mutable_location() = sink_.ToProto(s.location());
  CheckerContext context{&checker, {}, false, {}};
  const std::string& kind = s.name();
  if (kind == "TCP_CHECK") {
    checker.mutable_tcp();
    Dispatch(s, Section::kChecker, tcp_check_, context);
  } else if (kind == "MISC_CHECK") {
    checker.mutable_misc();
    Dispatch(s, Section::kMiscCheck, misc_check_, context);
    if (checker.misc().path().empty()) sink_.Error(s.location(), kind, "has no 'misc_path'");
  } else if (kind == "PING_CHECK") {
    checker.mutable_ping();
    Dispatch(s, Section::kPingCheck, tcp_check_, context);
  } else if (kind == "UDP_CHECK") {
    checker.mutable_udp();
    Dispatch(s, Section::kUdpCheck, udp_check_, context);
    const v1::UdpCheck& u = checker.udp();
    if (!u.reply().empty() && u.max_reply_length() == 0 && u.min_reply_length() > 255) {
      sink_.Warning(
          s.location(), kind,
          "min_reply_length is above max_reply_length (default 255): it will always fail");
    } else if (u.max_reply_length() != 0 && u.min_reply_length() > u.max_reply_length()) {
      sink_.Warning(s.location(), kind,
                    "min_reply_length is above max_reply_length: it will always fail");
    }
  } else if (kind == "DNS_CHECK") {
    checker.mutable_dns();
    Dispatch(s, Section::kDnsCheck, dns_check_, context);
  } else if (kind == "SMTP_CHECK") {
    checker.mutable_smtp();
    Dispatch(s, Section::kSmtpCheck, smtp_check_, context);
  } else if (kind == "FILE_CHECK") {
    checker.mutable_file();
    Dispatch(s, Section::kFileCheck, file_check_, context);
    context.settings = {};  // its own "weight" marker, not timing: FILE_CHECK takes none
    if (checker.file().path().empty()) {
      // keepalived: "FILE_CHECK has no track_file specified - ignoring".
      sink_.Warning(s.location(), kind, "has no usable 'track_file'; ignored (as keepalived)");
      rs.mutable_checkers()->RemoveLast();
      return;
    }
    checker.mutable_file()->set_base_weight(rs.weight());
  } else {
    checker.mutable_http()->set_ssl(kind == "SSL_GET");
    Dispatch(s, Section::kHttpCheck, http_check_, context);
    if (checker.http().urls_size() == 0) {
      sink_.Error(s.location(), kind, "has no 'url' block");
    }
  }
  FinishChecker(checker, context, parent, vs);
  if (!context.smtp_hosts.empty()) ReadSmtpHosts(s, context, rs);
}

void ConfigBuilder::FinishChecker(v1::Checker& checker, const CheckerContext& context,
                                  const RealServerContext& parent, const VirtualServerContext& vs) {
  v1::RealServer& rs = *parent.rs;
  // The nearest setting wins: checker, then real server, then virtual server.
  CheckSettings settings = vs.settings;
  settings.Override(parent.settings);
  settings.Override(context.settings);
  const bool http = checker.has_http();
  const bool misc = checker.has_misc();
  // keepalived's per-checker defaults: MISC_CHECK and FILE_CHECK do not retry;
  // DNS_CHECK retries 3 times, delay_loop apart; HTTP_GET waits 3 s between tries.
  const bool once = misc || checker.has_file();
  checker.set_connect_timeout_ms(settings.connect_timeout_ms.value_or(5000));
  checker.set_retry(settings.retry.value_or(once ? 0 : checker.has_dns() ? 3 : 1));
  checker.set_retry_set(settings.retry.has_value());
  checker.set_delay_loop_ms(settings.delay_loop_ms.value_or(vs.vs->delay_loop_ms()));
  const uint32_t retry_gap = http ? 3000 : checker.has_dns() ? checker.delay_loop_ms() : 1000;
  checker.set_delay_before_retry_ms(settings.delay_before_retry_ms.value_or(retry_gap));
  checker.set_warmup_ms(settings.warmup_ms.value_or(checker.delay_loop_ms()));
  // A file's state is known at once: keepalived clears alpha for FILE_CHECK.
  checker.set_alpha(!checker.has_file() && settings.alpha.value_or(false));
  if (checker.connect_ip().empty()) checker.set_connect_ip(rs.address());
  if (checker.connect_port() == 0) checker.set_connect_port(rs.port());
  if (http && settings.virtualhost) checker.mutable_http()->set_virtualhost(*settings.virtualhost);
  if (misc && checker.misc().timeout_ms() == 0) {
    checker.mutable_misc()->set_timeout_ms(checker.delay_loop_ms());
  }
}

}  // namespace lvs::config

namespace lvs::config {

void ConfigBuilder::ReadSmtpHosts(const Statement& s, CheckerContext& context, v1::RealServer& rs) {
  // keepalived: when the SMTP_CHECK block names no destination of its own, its
  // first host takes the checker's place; every other host is one more checker
  // with the same HELO and timing.
  const int main_index = rs.checkers_size() - 1;
  const v1::Checker main = rs.checkers(main_index);
  bool replace_main = !context.connection_set && !context.settings.connect_timeout_ms;
  for (const Statement* host : context.smtp_hosts) {
    v1::Checker checker = main;
    checker.clear_connect_ip();
    checker.clear_connect_port();
    checker.clear_bindto();
    checker.clear_bind_port();
    *checker.mutable_location() = sink_.ToProto(host->location());
    CheckerContext host_context{&checker, {}, false, {}};
    Dispatch(*host, Section::kSmtpHost, smtp_host_, host_context);
    if (checker.connect_ip().empty()) checker.set_connect_ip(rs.address());
    if (checker.connect_port() == 0) checker.set_connect_port(main.connect_port());
    WriteTiming(host_context.settings, checker);
    if (replace_main) {
      *rs.mutable_checkers(main_index) = std::move(checker);
      replace_main = false;
    } else {
      *rs.add_checkers() = std::move(checker);
    }
  }
  (void)s;
}

void ConfigBuilder::FinishUrl(const Statement& s, v1::UrlCheck& url) {
  // keepalived's url_check(): regex settings without a regex, or a window that
  // cannot hold a match, are dropped with a message.
  if (url.regex().empty()) {
    if (url.regex_no_match() || url.regex_options() != 0 || url.regex_min_offset() != 0 ||
        url.regex_max_end() != 0) {
      sink_.Warning(s.location(), s.name(),
                    "has regex settings but no 'regex'; they are ignored (as keepalived)");
      url.clear_regex_no_match();
      url.clear_regex_options();
      url.clear_regex_min_offset();
      url.clear_regex_max_end();
    }
    return;
  }
  if (url.regex_max_end() != 0 && url.regex_min_offset() >= url.regex_max_end()) {
    sink_.Warning(
        s.location(), s.name(),
        absl::StrCat("regex_min_offset ", url.regex_min_offset(), " is beyond regex_max_offset ",
                     url.regex_max_end() - 1, "; both are ignored (as keepalived)"));
    url.clear_regex_min_offset();
    url.clear_regex_max_end();
  }
  if (auto error = CheckRegex(url.regex(), url.regex_options())) {
    // keepalived logs "Invalid regex" and goes on with a url it cannot check; a
    // pattern that does not compile is refused here instead, where it can be fixed.
    Location at = s.location();
    for (const Statement& child : s.children) {
      if (child.name() == "regex" && !child.args.empty()) at = child.args[0].location;
    }
    sink_.Error(at, "regex",
                absl::StrCat("'", url.regex(), "' is not a valid PCRE2 pattern: ", error->message,
                             " at offset ", error->offset));
  }
}

void ConfigBuilder::ReadTrackFile(const Statement& s, v1::Config& config) {
  for (const v1::TrackFile& tf : config.track_files()) {
    if (tf.name() == s.args[0].text) {
      sink_.Warning(s.args[0].location, s.name(),
                    absl::StrCat("'", tf.name(), "' is defined twice; the first is used"));
      return;
    }
  }
  v1::TrackFile tf;
  tf.set_name(s.args[0].text);
  tf.set_weight(1);
  *tf.mutable_location() = sink_.ToProto(s.args[0].location);
  Dispatch(s, Section::kTrackFile, track_file_, tf);
  if (tf.path().empty()) {
    sink_.Warning(s.location(), s.name(),
                  absl::StrCat("'", tf.name(), "' has no 'file'; ignored (as keepalived)"));
    return;
  }
  if (tf.path().front() != '/') {
    sink_.Warning(
        s.location(), s.name(),
        absl::StrCat("'", tf.name(), "': file '", tf.path(), "' is not an absolute path; ignored"));
    return;
  }
  *config.add_track_files() = std::move(tf);
}

}  // namespace lvs::config
