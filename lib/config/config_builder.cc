#include "lib/config/config_builder.h"

#include <arpa/inet.h>

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/config/keyword_suggester.h"

namespace lvs::config {
namespace {

constexpr int kAny = -1;
constexpr uint64_t kDay = 86'400'000;

// A word keepalived could have registered: letters, digits, '_', '-', '.'.
bool LooksLikeKeyword(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

// At most 40 bytes of `text` (the sink escapes control bytes in every diagnostic).
std::string Shortened(std::string_view text) {
  if (text.size() <= 40) return std::string(text);
  return absl::StrCat(std::string(text.substr(0, 40)), "...");
}

}  // namespace

v1::TextEdit Replace(const Token& token, std::string replacement, std::string reason) {
  v1::TextEdit fix;
  fix.set_column(token.location.column);
  fix.set_expect(token.text);
  fix.set_replacement(std::move(replacement));
  fix.set_reason(std::move(reason));
  return fix;
}

v1::TextEdit DeleteLine(const Token& token, std::string reason) {
  v1::TextEdit fix = Replace(token, "", std::move(reason));
  fix.set_delete_line(true);
  return fix;
}

namespace {

bool UnsupportedIn(Section section, std::string_view name) {
  if (IsUnsupported(section, name)) return true;
  return TakesCommonCheckerOptions(section) && IsUnsupported(Section::kChecker, name);
}

std::string ArgCountMessage(int min_args, int max_args) {
  if (max_args == 0) return "takes no value";
  if (min_args == max_args) {
    return min_args == 1 ? "expects one value" : absl::StrCat("expects ", min_args, " values");
  }
  if (max_args == kAny) {
    return min_args == 1 ? "expects at least one value"
                         : absl::StrCat("expects at least ", min_args, " values");
  }
  return absl::StrCat("expects ", min_args, " to ", max_args, " values");
}

}  // namespace

void ConfigBuilder::CheckSettings::Override(const CheckSettings& nearer) {
  auto take = [](auto& mine, const auto& theirs) {
    if (theirs) mine = theirs;
  };
  take(connect_timeout_ms, nearer.connect_timeout_ms);
  take(retry, nearer.retry);
  take(delay_before_retry_ms, nearer.delay_before_retry_ms);
  take(warmup_ms, nearer.warmup_ms);
  take(delay_loop_ms, nearer.delay_loop_ms);
  take(alpha, nearer.alpha);
  take(inhibit_on_failure, nearer.inhibit_on_failure);
  take(virtualhost, nearer.virtualhost);
}

ConfigBuilder::ConfigBuilder(DiagnosticSink& sink) : sink_(sink), values_(sink) { DefineTables(); }

template <typename T>
void ConfigBuilder::Register(Section section, const std::vector<Keyword<T>>& table) {
  for (const Keyword<T>& keyword : table) {
    known_[keyword.name].push_back(section);
    names_by_section_[section].push_back(keyword.name);
  }
}

template <typename T>
void ConfigBuilder::Dispatch(const std::vector<Statement>& statements, Section section,
                             const std::vector<Keyword<T>>& table, T& target) {
  for (const Statement& s : statements) {
    auto it = std::find_if(table.begin(), table.end(),
                           [&](const Keyword<T>& k) { return k.name == s.name(); });
    if (it == table.end()) {
      ReportUnknown(s, section);
      continue;
    }
    // keepalived logs a statement of the wrong shape and skips it (or the part it
    // cannot use); so does lvs-ha, with a warning.
    if (it->block == BlockUse::kRequired && !s.has_block) {
      sink_.Warning(s.location(), s.name(), "expects a '{ ... }' block; ignored");
      continue;
    }
    if (it->block == BlockUse::kNone && s.has_block) {
      sink_.Warning(s.block_location, s.name(), "takes no '{ ... }' block; the block is ignored");
    }
    const int n = static_cast<int>(s.args.size());
    if (n < it->min_args) {
      sink_.Warning(s.location(), s.name(),
                    absl::StrCat(ArgCountMessage(it->min_args, it->max_args), "; ignored"));
      continue;
    }
    if (it->max_args != kAny && n > it->max_args) {
      const Token& extra = s.args[it->max_args];
      const Token& last = s.args.back();
      v1::TextEdit fix = Replace(extra, "", "words keepalived ignores after the value");
      // With a block on the line (`key 80 // x {y}`) what to keep is not mechanical.
      if (s.has_block) fix.clear_expect();
      if (last.location.line == extra.location.line) {
        fix.set_end_column(last.location.column + static_cast<uint32_t>(last.text.size()));
      }
      sink_.Warning(
          extra.location, s.name(),
          absl::StrCat(ArgCountMessage(it->min_args, it->max_args), "; '", extra.text,
                       n - it->max_args > 1 ? "' and what follows are" : "' is", " ignored"),
          std::move(fix));
      // Kept for the builder's lifetime: some keywords (real_server) are read later.
      Statement& trimmed = trimmed_.emplace_back(s);
      trimmed.args.resize(it->max_args);
      it->apply(trimmed, target);
      continue;
    }
    it->apply(s, target);
  }
}

void ConfigBuilder::ReportUnknown(const Statement& s, Section section) {
  const std::string& name = s.name();
  if (!LooksLikeKeyword(name)) {
    // keepalived would skip it too, but text like this (a shell prompt, a sentence, a
    // '//' comment opening a block) means the file is not what its author thinks.
    sink_.Error(s.location(), "syntax",
                absl::StrCat("'", Shortened(name),
                             "' is not a keyword (text pasted from a shell or a document? "
                             "comments start with # or !)"));
    return;
  }
  if (std::optional<std::string_view> fork = ForkFeature(name)) {
    sink_.Error(s.location(), name, absl::StrCat(std::string(*fork), "; lvs-ha cannot run it"));
    return;
  }
  const std::string ignored = s.has_block ? "ignored with its block" : "ignored";
  if (UnsupportedIn(section, name)) {
    sink_.Warning(s.location(), name, absl::StrCat("has no effect in lvs-ha; ", ignored));
    return;
  }
  if (std::optional<ObsoleteKeyword> old = Obsolete(section, name)) {
    std::string message = absl::StrCat(std::string(old->why), "; ", ignored);
    if (!old->replacement.empty()) {
      absl::StrAppend(&message, " (use '", std::string(old->replacement), "')");
    }
    if (s.has_block) {
      sink_.Warning(s.location(), name, message);
    } else if (!old->replacement.empty()) {
      sink_.Warning(s.location(), name, message,
                    Replace(s.keyword, std::string(old->replacement), "obsolete keyword renamed"));
    } else {
      sink_.Warning(s.location(), name, message,
                    DeleteLine(s.keyword, "obsolete keyword, ignored by keepalived"));
    }
    return;
  }
  std::vector<std::string_view> candidates = names_by_section_[section];
  for (std::string_view candidate : UnsupportedNames(section)) candidates.push_back(candidate);
  if (TakesCommonCheckerOptions(section)) {
    for (std::string_view candidate : UnsupportedNames(Section::kChecker)) {
      candidates.push_back(candidate);
    }
  }
  std::string message =
      absl::StrCat("unknown keyword in ", SectionName(section), "; ", ignored, " (as keepalived)");
  if (std::optional<std::string> suggestion = SuggestKeyword(name, candidates)) {
    absl::StrAppend(&message, "; did you mean '", *suggestion, "'?");
    sink_.Warning(s.location(), name, message, Replace(s.keyword, *suggestion, "misspelt keyword"));
    return;
  } else if (auto it = known_.find(name); it != known_.end()) {
    std::vector<std::string> homes;
    for (Section home : it->second) homes.push_back(SectionName(home));
    absl::StrAppend(&message, "; it belongs in ", absl::StrJoin(homes, " or "));
  }
  sink_.Warning(s.location(), name, message);
}

bool ConfigBuilder::CheckNoBlock(const Statement& s) {
  if (!s.has_block) return true;
  sink_.Error(s.block_location, s.name(), "takes no '{ ... }' block");
  return false;
}

v1::NotifyScript ConfigBuilder::Notify(const Statement& s) {
  // keepalived: notify_master CMD [USER [GROUP]] (and notify_up, quorum_up...); the
  // user is looked up where the script runs, which disables the script when the
  // user does not exist.
  v1::NotifyScript script;
  if (!s.args.empty()) script.set_command(s.args[0].text);
  if (s.args.size() > 1) script.set_user(s.args[1].text);
  if (s.args.size() > 2) script.set_group(s.args[2].text);
  return script;
}

std::vector<const Statement*> ConfigBuilder::ListEntries(const Statement& block) {
  std::vector<const Statement*> out;
  for (const Statement& entry : block.children) {
    if (CheckNoBlock(entry)) out.push_back(&entry);
  }
  return out;
}

std::string ConfigBuilder::JoinArgs(const Statement& s) {
  std::vector<std::string> words;
  for (const Token& t : s.args) words.push_back(t.text);
  return absl::StrJoin(words, " ");
}

// The order of the tables' registration is the order of "it belongs in" hints.
void ConfigBuilder::DefineTables() {
  DefineTopLevel();
  DefineSsl();
  DefineGlobalDefs();
  DefineVrrpScript();
  DefineSyncGroup();
  DefineVrrpInstance();
  DefineAuthentication();
  DefineVirtualServer();
  DefineRealServer();
  DefineCheckers();
}

void ConfigBuilder::DefineTopLevel() {
  using C = v1::Config;
  top_ = {
      {"global_defs", 0, 0, BlockUse::kRequired,
       std::bind_front(&ConfigBuilder::ReadGlobalDefs, this)},
      {"vrrp_script", 1, 1, BlockUse::kRequired,
       std::bind_front(&ConfigBuilder::ReadVrrpScript, this)},
      {"vrrp_sync_group", 1, 1, BlockUse::kRequired,
       [this](const Statement& s, C& c) {
         auto* group = c.add_vrrp_sync_groups();
         group->set_name(s.args[0].text);
         *group->mutable_location() = sink_.ToProto(s.args[0].location);
         Dispatch(s, Section::kVrrpSyncGroup, sync_group_, *group);
       }},
      {"vrrp_instance", 1, 1, BlockUse::kRequired,
       std::bind_front(&ConfigBuilder::ReadVrrpInstance, this)},
      {"track_file", 1, 1, BlockUse::kRequired,
       std::bind_front(&ConfigBuilder::ReadTrackFile, this)},
      {"SSL", 0, 0, BlockUse::kRequired, std::bind_front(&ConfigBuilder::ReadSsl, this)},
      {"vrrp_track_file", 1, 1, BlockUse::kRequired,
       [this](const Statement& s, C& c) {
         sink_.Warning(s.keyword.location, s.name(),
                       "deprecated name of track_file; taken as track_file",
                       Replace(s.keyword, "track_file", "vrrp_track_file is track_file"));
         ReadTrackFile(s, c);
       }},
      {"virtual_server_group", 1, 1, BlockUse::kRequired,
       [this](const Statement& s, C& c) {
         auto* group = c.add_virtual_server_groups();
         group->set_name(s.args[0].text);
         *group->mutable_location() = sink_.ToProto(s.args[0].location);
         ReadVirtualServerGroup(s, *group);
       }},
      {"virtual_server", 1, 2, BlockUse::kRequired,
       std::bind_front(&ConfigBuilder::ReadVirtualServer, this)},
  };
  AddNamespaceKeywords();
  Register(Section::kTop, top_);
}

void ConfigBuilder::ReadGlobalDefs(const Statement& s, v1::Config& c) {
  auto* g = c.mutable_global_defs();
  *g->mutable_location() = sink_.ToProto(s.location());
  Dispatch(s, Section::kGlobalDefs, global_defs_, *g);
}

void ConfigBuilder::ReadVrrpScript(const Statement& s, v1::Config& c) {
  auto* script = c.add_vrrp_scripts();
  script->set_name(s.args[0].text);
  *script->mutable_location() = sink_.ToProto(s.args[0].location);
  script->set_interval_ms(1000);
  script->set_rise(1);
  script->set_fall(1);
  Dispatch(s, Section::kVrrpScript, vrrp_script_, *script);
  if (script->script().empty()) {
    sink_.Error(s.location(), s.name(), absl::StrCat("'", s.args[0].text, "' has no 'script'"));
  }
  if (script->timeout_ms() == 0) script->set_timeout_ms(script->interval_ms());
}

void ConfigBuilder::ReadVrrpInstance(const Statement& s, v1::Config& c) {
  InstanceContext context{c.add_vrrp_instances(), {}};
  v1::VrrpInstance& vi = *context.instance;
  vi.set_name(s.args[0].text);
  *vi.mutable_location() = sink_.ToProto(s.args[0].location);
  vi.set_initial_state(v1::BACKUP);
  vi.set_priority(100);
  vi.set_advert_int_ms(1000);
  Dispatch(s, Section::kVrrpInstance, vrrp_instance_, context);
  instances_.push_back(std::move(context));
}

void ConfigBuilder::ReadSsl(const Statement& s, v1::Config& c) {
  if (c.has_ssl()) {
    sink_.Warning(s.keyword.location, s.name(),
                  "given twice; the second replaces the first (as keepalived)");
  }
  v1::TlsClient ssl;
  *ssl.mutable_location() = sink_.ToProto(s.keyword.location);
  Dispatch(s, Section::kSsl, ssl_, ssl);
  *c.mutable_ssl() = std::move(ssl);
}

void ConfigBuilder::DefineSsl() {
  using L = v1::TlsClient;
  ssl_ = {
      {"password", 1, 1, BlockUse::kNone, Text(&L::mutable_key_password)},
      {"ca", 1, 1, BlockUse::kNone,
       [this](const Statement& s, L& l) {
         l.set_ca_file(s.args[0].text);
         sink_.Warning(s.args[0].location, s.name(),
                       "SSL_GET's servers must present a certificate this CA signed (the chain is "
                       "checked, not the name); keepalived 2.2.7 loads the CA but checks nothing");
       }},
      {"certificate", 1, 1, BlockUse::kNone, Text(&L::mutable_certificate_file)},
      {"key", 1, 1, BlockUse::kNone, Text(&L::mutable_key_file)},
  };
  Register(Section::kSsl, ssl_);
}

namespace {
bool IsNftIdentifier(const std::string& name) {
  if (name.empty() || absl::ascii_isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') return false;
  }
  return true;
}

bool IsMulticastGroup(const std::string& text) {
  unsigned char buf[16];
  const bool v6 = text.find(':') != std::string::npos;
  const bool parsed = inet_pton(v6 ? AF_INET6 : AF_INET, text.c_str(), buf) == 1;
  return parsed && (v6 ? buf[0] == 0xff : (buf[0] & 0xf0) == 0xe0);
}

}  // namespace

bool ConfigBuilder::GivenBefore(const Statement& s, bool given) {
  if (given) {
    sink_.Warning(s.keyword.location, s.name(), "given twice; the first is kept (as keepalived)");
  }
  return given;
}

void ConfigBuilder::DefineGlobalDefs() {
  using G = v1::GlobalDefs;
  global_defs_ = {
      {"router_id", 1, 1, BlockUse::kNone, Text(&G::mutable_router_id)},
      {"vrrp_version", 1, 1, BlockUse::kNone, Int(&G::set_vrrp_version, 2, 3)},
  };
  Append(global_defs_, GarpKeywords());
  Append(global_defs_, LvsKeywords());
  // lvs-ha's own: the virtual servers' default passive check.
  Append(global_defs_, PassiveCheckKeywords<G>(&G::mutable_lvsha_passive_check));
  Append(global_defs_, MailKeywords());
  Append(global_defs_, ScriptKeywords());
  Append(global_defs_, AdvertKeywords());
  Append(global_defs_, FirewallKeywords());
  AddProcessKeywords();
  Register(Section::kGlobalDefs, global_defs_);
}

namespace {

// For the global_defs keywords whose default Build() derives from others: `*given` is
// set whatever the value, ...
template <typename Handler>
auto Marking(bool* given, Handler handler) {
  return [given, handler](const Statement& s, auto& target) {
    handler(s, target);
    *given = true;
  };
}

// ... or once the value was good.
template <typename Handler>
auto MarkingGood(bool* given, Handler handler) {
  return [given, handler](const Statement& s, auto& target) {
    if (handler(s, target)) *given = true;
  };
}

}  // namespace

// Gratuitous ARPs/NAs after becoming master, and their refresh.
ConfigBuilder::Table<v1::GlobalDefs> ConfigBuilder::GarpKeywords() {
  using G = v1::GlobalDefs;
  return {
      // Given, even with a bad value, they are not derived from vrrp_min_garp.
      {"vrrp_garp_master_delay", 1, 1, BlockUse::kNone,
       Marking(&garp_delay_set_, Millis(&G::set_vrrp_garp_master_delay_ms, 0, kDay))},
      {"vrrp_garp_master_repeat", 1, 1, BlockUse::kNone,
       Marking(&garp_repeat_set_, Int(&G::set_vrrp_garp_master_repeat, 1, 1000))},
      {"vrrp_garp_master_refresh", 1, 1, BlockUse::kNone,
       Millis(&G::set_vrrp_garp_master_refresh_ms, 0, kDay)},
      {"vrrp_garp_master_refresh_repeat", 1, 1, BlockUse::kNone,
       Int(&G::set_vrrp_garp_master_refresh_repeat, 1, 1000)},
      {"vrrp_garp_interval", 1, 1, BlockUse::kNone, Millis(&G::set_vrrp_garp_interval_ms, 0, kDay)},
      {"vrrp_gna_interval", 1, 1, BlockUse::kNone, Millis(&G::set_vrrp_gna_interval_ms, 0, kDay)},
      {"vrrp_min_garp", 0, 1, BlockUse::kNone, Bool([this](G&, bool v) { min_garp_ = v; })},
  };
}

ConfigBuilder::Table<v1::GlobalDefs> ConfigBuilder::LvsKeywords() {
  using G = v1::GlobalDefs;
  return {
      {"lvs_sync_daemon", 1, kAny, BlockUse::kNone,
       std::bind_front(&ConfigBuilder::ReadLvsSyncDaemon, this)},
      {"lvs_timeouts", 2, kAny, BlockUse::kNone,
       std::bind_front(&ConfigBuilder::ReadLvsTimeouts, this)},
      {"lvs_flush", 0, 0, BlockUse::kNone, Flag(&G::set_lvs_flush)},
      {"lvs_flush_on_stop", 0, 1, BlockUse::kNone,
       [this](const Statement& s, G& g) {
         if (s.args.empty()) {
           g.set_lvs_flush_on_stop(v1::LVS_FLUSH_ON_STOP_FULL);
         } else if (s.args[0].text == "VS") {
           g.set_lvs_flush_on_stop(v1::LVS_FLUSH_ON_STOP_VS);
         } else {
           sink_.Warning(s.args[0].location, s.name(),
                         absl::StrCat("'", s.args[0].text, "' is not VS; ignored"));
         }
       }},
      {"lvs_flush_onstop", 0, 1, BlockUse::kNone,
       [this](const Statement& s, G& g) {
         sink_.Warning(s.keyword.location, s.name(),
                       "deprecated name of lvs_flush_on_stop; taken as that");
         if (s.args.empty()) {
           g.set_lvs_flush_on_stop(v1::LVS_FLUSH_ON_STOP_FULL);
         } else if (s.args[0].text == "VS") {
           g.set_lvs_flush_on_stop(v1::LVS_FLUSH_ON_STOP_VS);
         }
       }},
  };
}

// "lvs_sync_daemon INTERFACE [VRRP_INSTANCE] [inst NAME] [id N] [maxlen N] [port N]
// [ttl N] [group ADDR]".
void ConfigBuilder::ReadLvsSyncDaemon(const Statement& s, v1::GlobalDefs& g) {
  auto* sync = g.mutable_lvs_sync_daemon();
  sync->set_interface(s.args[0].text);
  for (size_t i = 1; i < s.args.size(); ++i) {
    const std::string& word = s.args[i].text;
    const bool has_value = i + 1 < s.args.size();
    auto number = [&](int64_t high) { return values_.Integer(s.args[++i], s.name(), 1, high); };
    if (word == "inst" && has_value) {
      sync->set_vrrp_instance(s.args[++i].text);
    } else if (word == "id" && has_value) {
      if (auto v = values_.Integer(s.args[++i], s.name(), 0, 255)) sync->set_sync_id(*v);
    } else if (word == "maxlen" && has_value) {
      // keepalived: up to 65535 less the IP and UDP headers.
      if (auto v = number(65535 - 20 - 8)) sync->set_max_len(*v);
    } else if (word == "port" && has_value) {
      if (auto v = number(65535)) sync->set_port(*v);
    } else if (word == "ttl" && has_value) {
      if (auto v = number(255)) sync->set_ttl(*v);
    } else if (word == "group" && has_value) {
      const Token& group = s.args[++i];
      if (IsMulticastGroup(group.text)) {
        sync->set_group(group.text);
      } else {
        sink_.Warning(group.location, s.name(),
                      absl::StrCat("group '", group.text,
                                   "' is not a multicast address; ignored (as keepalived)"));
      }
    } else if (sync->vrrp_instance().empty() && i == 1) {
      sync->set_vrrp_instance(word);
    } else {
      sink_.Warning(s.args[i].location, s.name(),
                    absl::StrCat("unexpected '", word,
                                 "' (expected inst, id, maxlen, port, ttl or group); ignored"));
    }
  }
}

// keepalived's pairs: tcp N, tcpfin N, udp N (0..31 days).
void ConfigBuilder::ReadLvsTimeouts(const Statement& s, v1::GlobalDefs& g) {
  v1::LvsTimeouts* t = g.mutable_lvs_timeouts();
  for (size_t i = 0; i < s.args.size(); ++i) {
    const std::string& word = s.args[i].text;
    if (word != "tcp" && word != "tcpfin" && word != "udp") {
      sink_.Warning(
          s.args[i].location, s.name(),
          absl::StrCat("unknown option '", word, "' (expected tcp, tcpfin or udp); ignored"));
      continue;
    }
    if (i + 1 == s.args.size()) {
      sink_.Warning(s.args[i].location, s.name(), absl::StrCat("no value for ", word, "; ignored"));
      continue;
    }
    auto v = values_.Integer(s.args[++i], s.name(), 0, int64_t{31} * 86400);
    if (!v) continue;
    if (word == "tcp") t->set_tcp_s(*v);
    if (word == "tcpfin") t->set_tcp_fin_s(*v);
    if (word == "udp") t->set_udp_s(*v);
  }
}

// lvs-ha's own passive health, in global_defs (the default) and in a virtual server.
template <typename Ctx, typename Check>
ConfigBuilder::Table<Ctx> ConfigBuilder::PassiveCheckKeywords(Check check) {
  using P = v1::PassiveCheck;
  return {
      {"lvsha_passive_check", 0, 1, BlockUse::kNone,
       [this, check](const Statement& s, Ctx& c) {
         const std::optional<bool> v = values_.Bool(s, 0);
         if (!v) return;
         P* p = std::invoke(check, MessageOf(c));
         p->set_enabled(*v);
         *p->mutable_location() = sink_.ToProto(s.location());
       }},
      {"lvsha_passive_min_failures", 1, 1, BlockUse::kNone,
       Int(In(check, &P::set_min_failures), 1, 100000)},
      {"lvsha_passive_max_ejected", 1, 1, BlockUse::kNone,
       Int(In(check, &P::set_max_ejected_percent), 1, 100)},
  };
}

// keepalived's SMTP alerts.
ConfigBuilder::Table<v1::GlobalDefs> ConfigBuilder::MailKeywords() {
  using G = v1::GlobalDefs;
  using M = v1::MailAlerts;
  auto into = [](std::optional<bool>* setting) { return [setting](G&, bool v) { *setting = v; }; };
  return {
      {"notification_email", 0, 0, BlockUse::kRequired,
       [this](const Statement& s, G& g) {
         v1::MailAlerts* m = g.mutable_mail();
         for (const Statement* entry : ListEntries(s)) {
           m->add_to(entry->keyword.text);
           for (const Token& more : entry->args) m->add_to(more.text);
         }
         if (s.children.empty()) {
           sink_.Warning(s.keyword.location, s.name(),
                         "empty: no one gets alert mails (as keepalived)");
         }
       }},
      {"notification_email_from", 1, 1, BlockUse::kNone,
       Text(In(&G::mutable_mail, &M::mutable_from))},
      {"smtp_server", 1, 2, BlockUse::kNone,
       [this](const Statement& s, G& g) {
         uint32_t port = 25;
         if (s.args.size() > 1) {
           auto v = values_.Integer(s.args[1], s.name(), 1, 65535);
           if (!v) return;
           port = *v;
         }
         g.mutable_mail()->set_smtp_server(s.args[0].text);
         g.mutable_mail()->set_smtp_port(port);
       }},
      {"smtp_helo_name", 1, 1, BlockUse::kNone, Text(In(&G::mutable_mail, &M::mutable_helo_name))},
      {"smtp_connect_timeout", 1, 1, BlockUse::kNone,
       [this](const Statement& s, G& g) {
         auto v = values_.Integer(s, 0, 0, 86400);
         if (!v) return;
         if (*v == 0) {
           sink_.Warning(s.args[0].location, s.name(),
                         "must be greater than 0; 1 is used (as keepalived)");
           v = 1;
         }
         g.mutable_mail()->set_connect_timeout_ms(static_cast<uint32_t>(*v) * 1000);
       }},
      {"smtp_alert", 0, 1, BlockUse::kNone, Bool(into(&smtp_alert_))},
      {"smtp_alert_vrrp", 0, 1, BlockUse::kNone, Bool(into(&smtp_alert_vrrp_))},
      {"smtp_alert_checker", 0, 1, BlockUse::kNone, Bool(into(&smtp_alert_checker_))},
      {"no_email_faults", 0, 0, BlockUse::kNone,
       Flag(In(&G::mutable_mail, &M::set_no_email_faults))},
      // ipvsd mails a real server's up and down, not each of its checkers' (what
      // no_checker_emails asks); with one checker per real server they are the same.
      {"no_checker_emails", 0, 1, BlockUse::kNone, Bool(Discard{})},
  };
}

// Who runs scripts, and the FIFOs that hear of every state change.
ConfigBuilder::Table<v1::GlobalDefs> ConfigBuilder::ScriptKeywords() {
  using G = v1::GlobalDefs;
  using Fifo = v1::NotifyFifo* (G::*)();
  // "notify_fifo PATH [USER [GROUP]]", and the script that reads it.
  auto fifo = [this](Fifo fifo) { return FirstCommand(fifo, &v1::NotifyFifo::mutable_path); };
  auto fifo_script = [this](Fifo fifo) {
    return FirstCommand(In(fifo, &v1::NotifyFifo::mutable_script),
                        &v1::NotifyScript::mutable_command);
  };
  return {
      {"enable_script_security", 0, 0, BlockUse::kNone, Flag(&G::set_enable_script_security)},
      {"script_user", 1, 2, BlockUse::kNone,
       UserAndGroup(&G::mutable_script_user, &G::mutable_script_group)},
      {"notify_fifo", 1, 3, BlockUse::kNone, fifo(&G::mutable_notify_fifo)},
      {"notify_fifo_script", 1, 3, BlockUse::kNone, fifo_script(&G::mutable_notify_fifo)},
      {"vrrp_notify_fifo", 1, 3, BlockUse::kNone, fifo(&G::mutable_vrrp_notify_fifo)},
      {"vrrp_notify_fifo_script", 1, 3, BlockUse::kNone, fifo_script(&G::mutable_vrrp_notify_fifo)},
      {"lvs_notify_fifo", 1, 3, BlockUse::kNone, fifo(&G::mutable_lvs_notify_fifo)},
      {"lvs_notify_fifo_script", 1, 3, BlockUse::kNone, fifo_script(&G::mutable_lvs_notify_fifo)},
  };
}

// The instances' defaults for adverts: strict mode, what a lower or higher priority
// is answered with, and which adverts are checked.
ConfigBuilder::Table<v1::GlobalDefs> ConfigBuilder::AdvertKeywords() {
  using G = v1::GlobalDefs;
  return {
      {"vrrp_strict", 0, 0, BlockUse::kNone, Flag(&G::set_vrrp_strict)},
      // Unset (or bad), Build() takes them from vrrp_garp_master_delay and _repeat.
      {"vrrp_garp_lower_prio_delay", 1, 1, BlockUse::kNone,
       MarkingGood(&lower_prio_delay_set_, Millis(&G::set_vrrp_garp_lower_prio_delay_ms, 0, kDay))},
      {"vrrp_garp_lower_prio_repeat", 1, 1, BlockUse::kNone,
       MarkingGood(&lower_prio_repeat_set_,
                   Int(&G::set_vrrp_garp_lower_prio_repeat, 0, INT32_MAX))},
      {"vrrp_lower_prio_no_advert", 0, 1, BlockUse::kNone, Bool(&G::set_vrrp_lower_prio_no_advert)},
      {"vrrp_higher_prio_send_advert", 0, 1, BlockUse::kNone,
       Bool(&G::set_vrrp_higher_prio_send_advert)},
      {"vrrp_down_timer_adverts", 1, 1, BlockUse::kNone,
       Int(&G::set_vrrp_down_timer_adverts, 1, 100)},
      {"vrrp_skip_check_adv_addr", 0, 0, BlockUse::kNone, Flag(&G::set_vrrp_skip_check_adv_addr)},
      {"vrrp_check_unicast_src", 0, 0, BlockUse::kNone, Flag(&G::set_vrrp_check_unicast_src)},
  };
}

// The firewall of non-accept mode (keepalived built with nftables, as Debian's and
// RHEL's are).
ConfigBuilder::Table<v1::GlobalDefs> ConfigBuilder::FirewallKeywords() {
  using G = v1::GlobalDefs;
  // vrrp_iptables / vrrp_ipsets: read as nftables by a keepalived built without iptables.
  auto iptables = [this](const Statement& s, G&) {
    sink_.Warning(s.location(), s.name(),
                  "iptables is not supported; nftables is used instead (as keepalived built "
                  "with nftables); replace it with 'nftables'",
                  DeleteLine(s.keyword, "keepalived uses nftables in its place"));
  };
  return {
      {"nftables", 0, 1, BlockUse::kNone, std::bind_front(&ConfigBuilder::ReadNftables, this)},
      // Unset (or bad), Build() makes it -1.
      {"nftables_priority", 1, 1, BlockUse::kNone,
       MarkingGood(&nftables_priority_set_,
                   Int(In(&G::mutable_vrrp_firewall, &v1::VrrpFirewall::set_priority), INT32_MIN,
                       INT32_MAX))},
      {"nftables_counters", 0, 0, BlockUse::kNone,
       Flag(In(&G::mutable_vrrp_firewall, &v1::VrrpFirewall::set_counters))},
      // keepalived keys link-local VIPs by interface index unless told otherwise;
      // vrrpd always does.
      {"nftables_ifindex", 0, 0, BlockUse::kNone, [](const Statement&, G&) {}},
      {"vrrp_iptables", 0, 2, BlockUse::kNone, iptables},
      {"vrrp_ipsets", 0, 5, BlockUse::kNone, iptables},
  };
}

void ConfigBuilder::ReadNftables(const Statement& s, v1::GlobalDefs& g) {
  if (nftables_given_) {
    sink_.Warning(s.location(), s.name(), "given twice; ignored (as keepalived)");
    return;
  }
  if (!s.args.empty() && s.args[0].text.size() >= 256) {  // NFT_TABLE_MAXNAMELEN
    sink_.Warning(s.args[0].location, s.name(),
                  "the table name is too long; ignored (as keepalived)");
    return;
  }
  if (!s.args.empty() && !IsNftIdentifier(s.args[0].text)) {
    sink_.Warning(s.args[0].location, s.name(),
                  "not a table name nft can read (letters, digits, '_' and '.', not "
                  "starting with a digit); the default 'keepalived' is used");
    return;
  }
  nftables_given_ = true;
  if (!s.args.empty()) g.mutable_vrrp_firewall()->set_table(s.args[0].text);
}

void ConfigBuilder::DefineVrrpScript() {
  using V = v1::VrrpScript;
  vrrp_script_ = {
      {"script", 1, kAny, BlockUse::kNone, Words(&V::mutable_script)},
      {"interval", 1, 1, BlockUse::kNone, Millis(&V::set_interval_ms, 1, kDay)},
      {"timeout", 1, 1, BlockUse::kNone, Millis(&V::set_timeout_ms, 1, kDay)},
      {"weight", 1, 2, BlockUse::kNone,
       [this](const Statement& s, V& v) {
         if (auto w = values_.Integer(s, 0, -253, 253)) v.set_weight(*w);
         if (s.args.size() > 1) {
           if (s.args[1].text == "reverse") {
             v.set_reverse(true);
           } else {
             sink_.Warning(
                 s.args[1].location, s.name(),
                 absl::StrCat("unexpected '", s.args[1].text, "' (expected reverse); ignored"));
           }
         }
       }},
      {"rise", 1, 1, BlockUse::kNone, Int(&V::set_rise, 1, 1'000'000)},
      {"init_fail", 0, 0, BlockUse::kNone, Flag(&V::set_init_fail)},
      {"fall", 1, 1, BlockUse::kNone, Int(&V::set_fall, 1, 1'000'000)},
      {"user", 1, 2, BlockUse::kNone, UserAndGroup(&V::mutable_user, &V::mutable_group)},
  };
  Register(Section::kVrrpScript, vrrp_script_);
}

// A sync group's or an instance's scripts for its state changes.
template <typename Ctx>
ConfigBuilder::Table<Ctx> ConfigBuilder::StateScriptKeywords() {
  using M = std::remove_reference_t<decltype(MessageOf(std::declval<Ctx&>()))>;
  return {
      {"notify_master", 1, 3, BlockUse::kNone, Script(&M::mutable_notify_master)},
      {"notify_backup", 1, 3, BlockUse::kNone, Script(&M::mutable_notify_backup)},
      {"notify_fault", 1, 3, BlockUse::kNone, Script(&M::mutable_notify_fault)},
      {"notify_stop", 1, 3, BlockUse::kNone, Script(&M::mutable_notify_stop)},
      {"notify", 1, 3, BlockUse::kNone, Script(&M::mutable_notify)},
  };
}

void ConfigBuilder::DefineSyncGroup() {
  using G = v1::VrrpSyncGroup;
  sync_group_ = {
      {"smtp_alert", 0, 1, BlockUse::kNone, Bool(&G::set_smtp_alert)},
      {"group", 0, 0, BlockUse::kRequired,
       [this](const Statement& s, G& g) {
         for (const Statement* entry : ListEntries(s)) {
           g.add_instances(entry->name());
           g.add_instance_locations()->CopyFrom(sink_.ToProto(entry->location()));
           if (!entry->args.empty()) {
             sink_.Warning(entry->args[0].location, entry->name(),
                           "one vrrp_instance name per line expected; ignored");
           }
         }
       }},
      {"track_interface", 0, 0, BlockUse::kRequired,
       List(&ConfigBuilder::ReadTrackInterfaces, &G::mutable_track_interfaces)},
      {"track_script", 0, 0, BlockUse::kRequired,
       List(&ConfigBuilder::ReadTrackScripts, &G::mutable_track_scripts)},
  };
  Append(sync_group_, StateScriptKeywords<G>());
  Register(Section::kVrrpSyncGroup, sync_group_);
}

namespace {

// Keywords an instance's final checks need to know about (InstanceNotes), around the
// handler that reads their value: `given` is set whatever the value, ...
template <typename Given, typename Handler>
auto NotingGiven(Given given, Handler handler) {
  return [given, handler](const Statement& s, auto& c) {
    c.notes.*given = true;
    return handler(s, c);
  };
}

// ... `value` is where the value stands, whatever it is, ...
template <typename Value, typename Handler>
auto NotingValue(Value value, Handler handler) {
  return [value, handler](const Statement& s, auto& c) {
    c.notes.*value = s.args[0];
    return handler(s, c);
  };
}

// ... and `at` where the keyword stands, once its value was good (a bad one
// leaves the global or strict mode's default).
template <typename At, typename Handler>
auto NotingGood(At at, Handler handler) {
  return [at, handler](const Statement& s, auto& c) {
    if (!handler(s, c)) return false;
    c.notes.*at = s.keyword;
    return true;
  };
}

}  // namespace

void ConfigBuilder::DefineVrrpInstance() {
  vrrp_instance_ = InstanceElectionKeywords();
  Append(vrrp_instance_, InstanceAddressKeywords());
  Append(vrrp_instance_, InstancePeerKeywords());
  Append(vrrp_instance_, InstanceTrackKeywords());
  Append(vrrp_instance_, StateScriptKeywords<InstanceContext>());
  Append(vrrp_instance_, InstanceNotifyKeywords());
  Append(vrrp_instance_, InstanceAdvertKeywords());
  Register(Section::kVrrpInstance, vrrp_instance_);
}

// Who is master: the router id, priority and adverts, and how they are authenticated.
ConfigBuilder::Table<ConfigBuilder::InstanceContext> ConfigBuilder::InstanceElectionKeywords() {
  using I = InstanceContext;
  using N = InstanceNotes;
  using V = v1::VrrpInstance;
  return {
      {"state", 1, 1, BlockUse::kNone, std::bind_front(&ConfigBuilder::ReadInstanceState, this)},
      {"interface", 1, 1, BlockUse::kNone, Text(&V::mutable_interface)},
      {"virtual_router_id", 1, 1, BlockUse::kNone,
       [this](const Statement& s, I& c) {
         c.notes.vrid_given = true;
         *c.instance->mutable_virtual_router_id_location() = sink_.ToProto(s.args[0].location);
         if (auto v = values_.Integer(s, 0, 1, 255, BadValue::kRequired)) {
           c.instance->set_virtual_router_id(*v);
         }
       }},
      {"priority", 1, 1, BlockUse::kNone, NotingValue(&N::priority, Int(&V::set_priority, 1, 255))},
      {"advert_int", 1, 1, BlockUse::kNone,
       NotingValue(&N::advert_int, Millis(&V::set_advert_int_ms, 10, 255'000))},
      {"version", 1, 1, BlockUse::kNone, NotingValue(&N::version, Int(&V::set_version, 2, 3))},
      {"authentication", 0, 0, BlockUse::kRequired,
       [this](const Statement& s, I& c) {
         c.notes.authentication = s.keyword;
         for (const Statement& child : s.children) {
           c.notes.auth_type_given |= child.name() == "auth_type";
           c.notes.auth_pass_given |= child.name() == "auth_pass";
         }
         Dispatch(s, Section::kAuthentication, authentication_,
                  *c.instance->mutable_authentication());
       }},
      {"nopreempt", 0, 0, BlockUse::kNone, Flag(&V::set_nopreempt)},
      {"preempt", 0, 0, BlockUse::kNone, Flag(&V::set_nopreempt, false)},
      {"preempt_delay", 1, 1, BlockUse::kNone, Millis(&V::set_preempt_delay_ms, 0, 1'000'000)},
  };
}

void ConfigBuilder::ReadInstanceState(const Statement& s, InstanceContext& c) {
  const std::string state = absl::AsciiStrToUpper(s.args[0].text);
  c.notes.state = s.args[0];
  if (state == "MASTER") {
    c.instance->set_initial_state(v1::MASTER);
  } else if (state == "BACKUP") {
    c.instance->set_initial_state(v1::BACKUP);
  } else {
    sink_.Warning(s.args[0].location, s.name(),
                  absl::StrCat("'", s.args[0].text,
                               "' is not MASTER or BACKUP; BACKUP is used (as keepalived)"),
                  Replace(s.args[0], "BACKUP", "keepalived reads an unknown state as BACKUP"));
  }
}

// The virtual addresses, and how they are announced (gratuitous ARPs/NAs, a VMAC).
ConfigBuilder::Table<ConfigBuilder::InstanceContext> ConfigBuilder::InstanceAddressKeywords() {
  using I = InstanceContext;
  using N = InstanceNotes;
  using V = v1::VrrpInstance;
  return {
      {"virtual_ipaddress", 0, 0, BlockUse::kRequired,
       List(&ConfigBuilder::ReadVirtualIps, &V::mutable_virtual_ipaddresses)},
      {"virtual_ipaddress_excluded", 0, 0, BlockUse::kRequired,
       List(&ConfigBuilder::ReadVirtualIps, &V::mutable_virtual_ipaddresses_excluded)},
      // keepalived's way to say "no addresses on purpose"; vrrpd runs such an
      // instance (election and notify scripts only) with or without it.
      {"no_virtual_ipaddress", 0, 0, BlockUse::kNone, [](const Statement&, I&) {}},
      {"accept", 0, 0, BlockUse::kNone, NotingGiven(&N::accept_set, Flag(&V::set_accept))},
      {"no_accept", 0, 0, BlockUse::kNone,
       NotingGiven(&N::accept_set, Flag(&V::set_accept, false))},
      {"promote_secondaries", 0, 0, BlockUse::kNone, Flag(&V::set_promote_secondaries)},
      {"use_vmac", 0, 2, BlockUse::kNone,
       [this](const Statement& s, I& c) {
         c.notes.use_vmac_named = !s.args.empty();
         c.instance->set_use_vmac(s.args.empty() ? "vrrp" : s.args[0].text);
         if (s.args.size() > 1) {
           sink_.Warning(s.args[1].location, s.name(),
                         "a fixed VMAC address has no effect in lvs-ha; ignored");
         }
       }},
      // Unset, FinishInstance takes global_defs' vrrp_garp_master_*.
      {"garp_master_delay", 1, 1, BlockUse::kNone,
       NotingGiven(&N::garp_delay_set, Millis(&V::set_garp_master_delay_ms, 0, kDay))},
      {"garp_master_repeat", 1, 1, BlockUse::kNone,
       NotingGiven(&N::garp_repeat_set, Int(&V::set_garp_master_repeat, 1, 1000))},
      {"garp_master_refresh", 1, 1, BlockUse::kNone,
       NotingGiven(&N::garp_refresh_set, Millis(&V::set_garp_master_refresh_ms, 0, kDay))},
      {"garp_master_refresh_repeat", 1, 1, BlockUse::kNone,
       NotingGiven(&N::garp_refresh_repeat_set, Int(&V::set_garp_master_refresh_repeat, 1, 1000))},
  };
}

// Unicast adverts: this router's source address and its peers.
ConfigBuilder::Table<ConfigBuilder::InstanceContext> ConfigBuilder::InstancePeerKeywords() {
  using I = InstanceContext;
  // unicast_src_ip, and its old name mcast_src_ip: an address (a prefix length, as
  // some files write it, is dropped with a warning).
  auto source_ip = [this](const Statement& s, I& c) {
    uint32_t prefix_len = 0;
    if (auto ip = values_.IpWithPrefix(s.args[0], s.name(), &prefix_len)) {
      if (s.args[0].text.find('/') != std::string::npos) {
        sink_.Warning(s.args[0].location, s.name(), "the prefix length is ignored");
      }
      c.instance->set_unicast_src_ip(ip->ToString());
    }
  };
  return {
      {"unicast_src_ip", 1, 1, BlockUse::kNone, source_ip},
      {"mcast_src_ip", 1, 1, BlockUse::kNone, source_ip},
      {"unicast_peer", 0, 0, BlockUse::kRequired,
       std::bind_front(&ConfigBuilder::ReadUnicastPeers, this)},
  };
}

void ConfigBuilder::ReadUnicastPeers(const Statement& s, InstanceContext& c) {
  for (const Statement* entry : ListEntries(s)) {
    uint32_t prefix_len = 0;
    if (auto ip = values_.IpWithPrefix(entry->keyword, "unicast_peer", &prefix_len)) {
      if (entry->keyword.text.find('/') != std::string::npos) {
        sink_.Warning(entry->location(), "unicast_peer",
                      absl::StrCat("a peer is an address, not a network; '/", prefix_len,
                                   "' ignored (as keepalived)"),
                      Replace(entry->keyword, ip->ToString(), "a peer is an address"));
      }
      c.instance->add_unicast_peers(ip->ToString());
    }
    for (size_t i = 0; i < entry->args.size(); ++i) {
      const std::string& word = entry->args[i].text;
      if ((word == "min_ttl" || word == "max_ttl") && i + 1 < entry->args.size()) {
        sink_.Warning(entry->args[i].location, "unicast_peer",
                      absl::StrCat("'", word, "' has no effect in lvs-ha; ignored"));
        ++i;
      } else {
        sink_.Warning(entry->args[i].location, "unicast_peer",
                      absl::StrCat("unexpected '", word, "' after the peer address; ignored"));
      }
    }
  }
}

// What lowers the priority or faults the instance.
ConfigBuilder::Table<ConfigBuilder::InstanceContext> ConfigBuilder::InstanceTrackKeywords() {
  using V = v1::VrrpInstance;
  return {
      {"track_interface", 0, 0, BlockUse::kRequired,
       List(&ConfigBuilder::ReadTrackInterfaces, &V::mutable_track_interfaces)},
      {"track_script", 0, 0, BlockUse::kRequired,
       List(&ConfigBuilder::ReadTrackScripts, &V::mutable_track_scripts)},
      {"track_file", 0, 0, BlockUse::kRequired,
       std::bind_front(&ConfigBuilder::ReadInstanceTrackFiles, this)},
      {"dont_track_primary", 0, 0, BlockUse::kNone, Flag(&V::set_dont_track_primary)},
  };
}

// "NAME [weight N [reverse|noreverse]]", read as track_script's entries, each naming a
// track_file block above.
void ConfigBuilder::ReadInstanceTrackFiles(const Statement& s, InstanceContext& c) {
  google::protobuf::RepeatedPtrField<v1::TrackScript> entries;
  ReadTrackScripts(s, &entries);
  for (const v1::TrackScript& e : entries) {
    const v1::TrackFile* found = nullptr;
    for (const v1::TrackFile& tf : config_->track_files()) {
      if (tf.name() == e.name()) found = &tf;
    }
    if (found == nullptr) {
      sink_.Warning(LocationOf(e.location()), e.name(),
                    absl::StrCat("no track_file '", e.name(),
                                 "' is defined above this line; ignored (as keepalived)"));
      continue;
    }
    v1::TrackFile* t = c.instance->add_track_files();
    *t = *found;
    if (e.weight_set()) t->set_weight(e.weight());
    if (e.weight_set() || e.reverse()) t->set_reverse(e.reverse());
    *t->mutable_location() = e.location();
  }
}

// Who else hears of the instance's state (beyond StateScriptKeywords): a script for a
// lower priority's advert, mail, and the LVS sync daemon.
ConfigBuilder::Table<ConfigBuilder::InstanceContext> ConfigBuilder::InstanceNotifyKeywords() {
  using I = InstanceContext;
  using V = v1::VrrpInstance;
  return {
      {"smtp_alert", 0, 1, BlockUse::kNone, Bool(&V::set_smtp_alert)},
      {"notify_master_rx_lower_pri", 1, 3, BlockUse::kNone,
       Script(&V::mutable_notify_master_rx_lower_pri)},
      {"lvs_sync_daemon_interface", 1, 1, BlockUse::kNone,
       [this](const Statement& s, I& c) {
         // keepalived still reads the 1.2 form: this instance drives the sync daemon
         // (the first such line; Build() reports each).
         sync_daemon_lines_.push_back({s.keyword, s.args[0].text, c.instance->name()});
       }},
  };
}

// Strict mode, what a lower or higher priority's advert is answered with, and which
// adverts are checked; unset, global_defs' (ResolveLowerPriority).
ConfigBuilder::Table<ConfigBuilder::InstanceContext> ConfigBuilder::InstanceAdvertKeywords() {
  using I = InstanceContext;
  using N = InstanceNotes;
  using V = v1::VrrpInstance;
  return {
      {"garp_lower_prio_delay", 1, 1, BlockUse::kNone,
       NotingGood(&N::lower_prio_delay, Millis(&V::set_garp_lower_prio_delay_ms, 0, kDay))},
      {"garp_lower_prio_repeat", 1, 1, BlockUse::kNone,
       NotingGood(&N::lower_prio_repeat, Int(&V::set_garp_lower_prio_repeat, 0, INT32_MAX))},
      {"lower_prio_no_advert", 0, 1, BlockUse::kNone,
       NotingGood(&N::lower_prio_no_advert, Bool(&V::set_lower_prio_no_advert))},
      {"higher_prio_send_advert", 0, 1, BlockUse::kNone,
       NotingGood(&N::higher_prio_send_advert, Bool(&V::set_higher_prio_send_advert))},
      {"down_timer_adverts", 1, 1, BlockUse::kNone,
       NotingGood(&N::down_timer_adverts, Int(&V::set_down_timer_adverts, 1, 100))},
      {"skip_check_adv_addr", 0, 0, BlockUse::kNone, Flag(&V::set_skip_check_adv_addr)},
      {"check_unicast_src", 0, 0, BlockUse::kNone, Flag(&V::set_check_unicast_src)},
      // keepalived: "strict_mode [on|off|true|false|yes|no]", bare means on.
      {"strict_mode", 0, 1, BlockUse::kNone,
       [this](const Statement& s, I& c) {
         if (auto v = values_.Bool(s, 0)) c.notes.strict = *v;
       }},
  };
}

void ConfigBuilder::DefineAuthentication() {
  using A = v1::VrrpAuthentication;
  authentication_ = {
      {"auth_type", 1, 1, BlockUse::kNone,
       [this](const Statement& s, A& a) {
         // keepalived compares exactly: "pass" or "PASS;" is unknown, and unknown
         // means no authentication.
         const std::string& type = s.args[0].text;
         if (type == "PASS") {
           a.set_type(A::PASS);
         } else if (type == "AH") {
           sink_.Error(s.args[0].location, s.name(),
                       "IPsec AH authentication is not implemented in lvs-ha (RFC 5798 removed "
                       "it); use PASS or no authentication block");
         } else {
           std::string message =
               absl::StrCat("'", type,
                            "' is not PASS or AH; ignored, so no authentication is used (as "
                            "keepalived)");
           if (absl::AsciiStrToUpper(type).rfind("PASS", 0) == 0) {
             absl::StrAppend(&message, "; did you mean 'PASS'?");
           }
           sink_.Warning(s.args[0].location, s.name(), message);
         }
       }},
      {"auth_pass", 1, 1, BlockUse::kNone,
       [this](const Statement& s, A& a) {
         std::string pass = s.args[0].text;
         if (pass.size() > 8) {
           sink_.Warning(s.args[0].location, s.name(),
                         "only the first 8 characters are used (as keepalived)");
           pass.resize(8);
         }
         a.set_pass(pass);
       }},
  };
  Register(Section::kAuthentication, authentication_);
}

namespace {

const std::vector<std::string_view>& VirtualIpOptions() {
  static const std::vector<std::string_view> kOptions = {"dev", "label", "brd", "broadcast",
                                                         "scope"};
  return kOptions;
}

bool IsVirtualIpOption(std::string_view word) {
  const auto& options = VirtualIpOptions();
  return std::find(options.begin(), options.end(), word) != options.end();
}

}  // namespace

void ConfigBuilder::ReadVirtualIps(const Statement& block,
                                   google::protobuf::RepeatedPtrField<v1::VirtualIp>* out) {
  for (const Statement* entry : ListEntries(block)) {
    v1::VirtualIp vip;
    *vip.mutable_location() = sink_.ToProto(entry->location());
    uint32_t prefix_len = 0;
    auto ip = values_.IpWithPrefix(entry->keyword, block.name(), &prefix_len);
    if (!ip) continue;
    vip.set_address(ip->ToString());
    vip.set_prefix_len(prefix_len);
    vip.set_scope("global");
    bool ok = true;
    const std::vector<Token>& args = entry->args;
    for (size_t i = 0; i < args.size(); ++i) {
      const Token& option = args[i];
      if (!IsVirtualIpOption(option.text)) {
        ok &= SkipVirtualIpOption(args, i);
      } else if (i + 1 >= args.size()) {
        sink_.Error(option.location, option.text, "expects a value");
        ok = false;
      } else {
        ok &= ReadVirtualIpOption(option, args[++i], *ip, vip);
      }
    }
    if (ok) *out->Add() = std::move(vip);
  }
}

bool ConfigBuilder::SkipVirtualIpOption(const std::vector<Token>& args, size_t& i) {
  const Token& option = args[i];
  if (IsUnsupported(Section::kVirtualIpOption, option.text)) {
    sink_.Warning(option.location, option.text,
                  "virtual address option has no effect in lvs-ha; ignored");
    if ((option.text == "peer" || option.text == "preferred_lft") && i + 1 < args.size()) ++i;
    return true;
  }
  std::string message = "unknown virtual address option";
  std::vector<std::string_view> candidates = VirtualIpOptions();
  for (auto name : UnsupportedNames(Section::kVirtualIpOption)) candidates.push_back(name);
  if (auto suggestion = SuggestKeyword(option.text, candidates)) {
    absl::StrAppend(&message, "; did you mean '", *suggestion, "'?");
  }
  sink_.Error(option.location, option.text, message);
  // Skip the misspelt option's value too, so one typo gives one error.
  if (i + 1 < args.size()) {
    const std::string& next = args[i + 1].text;
    if (!IsVirtualIpOption(next) && !IsUnsupported(Section::kVirtualIpOption, next)) ++i;
  }
  return false;
}

bool ConfigBuilder::ReadVirtualIpOption(const Token& option, const Token& value,
                                        const net::IpAddress& ip, v1::VirtualIp& vip) {
  if (option.text == "dev") {
    vip.set_dev(value.text);
  } else if (option.text == "label") {
    vip.set_label(value.text);
  } else if (option.text == "brd" || option.text == "broadcast") {
    if (value.text == "+" || value.text == "-") {
      vip.set_broadcast(value.text);
      return true;
    }
    auto brd = values_.Ip(value, option.text);
    if (!brd) return false;
    vip.set_broadcast(brd->ToString());
    if (brd->is_v6() != ip.is_v6()) {
      sink_.Error(value.location, option.text, "broadcast address family differs");
      return false;
    }
  } else {
    static const std::vector<std::string_view> kScopes = {"global", "host", "link", "site",
                                                          "nowhere"};
    uint32_t number = 0;
    vip.set_scope(value.text);
    if (std::find(kScopes.begin(), kScopes.end(), value.text) == kScopes.end() &&
        !(absl::SimpleAtoi(value.text, &number) && number <= 255)) {
      sink_.Error(value.location, option.text,
                  absl::StrCat("'", value.text,
                               "' is not a scope (global, host, link, site, nowhere or 0-255)"));
      return false;
    }
  }
  return true;
}

ConfigBuilder::TrackOptions ConfigBuilder::ReadTrackOptions(const Statement& entry,
                                                            int64_t max_weight) {
  TrackOptions options;
  for (size_t i = 0; i < entry.args.size(); ++i) {
    const Token& word = entry.args[i];
    if (word.text == "weight" && i + 1 < entry.args.size()) {
      if (auto w = values_.Integer(entry.args[++i], "weight", -max_weight, max_weight)) {
        options.weight = *w;
      }
    } else if (word.text == "reverse") {
      options.reverse = true;
    } else if (word.text == "noreverse" || word.text == "no_reverse") {
      options.reverse = false;
    } else {
      sink_.Warning(
          word.location, entry.name(),
          absl::StrCat("unexpected '", word.text, "' (expected weight N or reverse); ignored"));
    }
  }
  return options;
}

void ConfigBuilder::ReadTrackInterfaces(
    const Statement& block, google::protobuf::RepeatedPtrField<v1::TrackInterface>* out) {
  for (const Statement* entry : ListEntries(block)) {
    v1::TrackInterface track;
    track.set_name(entry->name());
    const TrackOptions options = ReadTrackOptions(*entry, 254);
    if (options.weight) track.set_weight(*options.weight);
    if (options.reverse) track.set_reverse(*options.reverse);
    *out->Add() = std::move(track);
  }
}

void ConfigBuilder::ReadTrackScripts(const Statement& block,
                                     google::protobuf::RepeatedPtrField<v1::TrackScript>* out) {
  for (const Statement* entry : ListEntries(block)) {
    v1::TrackScript track;
    track.set_name(entry->name());
    *track.mutable_location() = sink_.ToProto(entry->location());
    const TrackOptions options = ReadTrackOptions(*entry, 253);
    if (options.weight) {
      track.set_weight(*options.weight);
      track.set_weight_set(true);
    }
    if (options.reverse) track.set_reverse(*options.reverse);
    *out->Add() = std::move(track);
  }
}

void ConfigBuilder::FinishInstance(InstanceContext& context, const v1::GlobalDefs& global) {
  v1::VrrpInstance& vi = *context.instance;
  const InstanceNotes& notes = context.notes;
  const Location at = LocationOf(vi.location());
  if (vi.promote_secondaries() && !vi.use_vmac().empty()) {
    sink_.Warning(
        at, "promote_secondaries",
        absl::StrCat("'", vi.name(), "': set on a VMAC already; ignored (as keepalived)"));
    vi.set_promote_secondaries(false);
  }
  if (global.vrrp_skip_check_adv_addr()) vi.set_skip_check_adv_addr(true);
  if (global.vrrp_check_unicast_src()) vi.set_check_unicast_src(true);
  if (!notes.vrid_given) {
    sink_.Error(at, "vrrp_instance", absl::StrCat("'", vi.name(), "' has no virtual_router_id"));
  }
  if (vi.interface().empty()) {
    sink_.Error(at, "vrrp_instance", absl::StrCat("'", vi.name(), "' has no interface"));
  }
  ResolveVirtualIpFamily(vi);
  DropRepeatedVirtualIps(vi);
  ResolveVersion(context, global);
  WarnPriority(context);
  ResolveAuthentication(context);
  if (!notes.garp_delay_set) vi.set_garp_master_delay_ms(global.vrrp_garp_master_delay_ms());
  if (!notes.garp_repeat_set) vi.set_garp_master_repeat(global.vrrp_garp_master_repeat());
  if (!notes.garp_refresh_set) vi.set_garp_master_refresh_ms(global.vrrp_garp_master_refresh_ms());
  if (!notes.garp_refresh_repeat_set) {
    vi.set_garp_master_refresh_repeat(global.vrrp_garp_master_refresh_repeat());
  }
  ApplyStrictMode(context, global);
  ResolveVmac(context);
}

// The family follows the first address, as in keepalived; keepalived ignores an
// address of the other family, with a warning.
void ConfigBuilder::ResolveVirtualIpFamily(v1::VrrpInstance& vi) {
  if (vi.virtual_ipaddresses_size() > 0) {
    vi.set_family_inet6(vi.virtual_ipaddresses(0).address().find(':') != std::string::npos);
  }
  for (int i = 0; i < vi.virtual_ipaddresses_size();) {
    const v1::VirtualIp& vip = vi.virtual_ipaddresses(i);
    const bool inet6 = vip.address().find(':') != std::string::npos;
    if (inet6 == vi.family_inet6()) {
      ++i;
      continue;
    }
    sink_.Warning(LocationOf(vip.location()), "virtual_ipaddress",
                  absl::StrCat(vip.address(), " is ", inet6 ? "IPv6" : "IPv4", " but '", vi.name(),
                               "' is ", vi.family_inet6() ? "IPv6" : "IPv4",
                               " (its first address); ignored (as keepalived); put it under "
                               "virtual_ipaddress_excluded"));
    vi.mutable_virtual_ipaddresses()->DeleteSubrange(i, 1);
  }
}

// An address listed twice (keepalived's own samples do it) is kept once.
void ConfigBuilder::DropRepeatedVirtualIps(v1::VrrpInstance& vi) {
  std::set<std::string> seen;
  for (int i = 0; i < 2; ++i) {
    auto* vips =
        i == 0 ? vi.mutable_virtual_ipaddresses() : vi.mutable_virtual_ipaddresses_excluded();
    for (int j = 0; j < vips->size();) {
      v1::VirtualIp& vip = *vips->Mutable(j);
      if (vip.dev().empty()) vip.set_dev(vi.interface());
      const std::string key = absl::StrCat(vip.address(), "/", vip.prefix_len(), "%", vip.dev());
      if (!seen.insert(key).second) {
        sink_.Warning(
            LocationOf(vip.location()), i == 0 ? "virtual_ipaddress" : "virtual_ipaddress_excluded",
            absl::StrCat(vip.address(), "/", vip.prefix_len(), " on ", vip.dev(),
                         " is listed twice in '", vi.name(), "'; the first entry is used"));
        vips->DeleteSubrange(j, 1);
        continue;
      }
      ++j;
    }
  }
}

// Version: the instance's, else the global one; IPv6 needs VRRPv3. The advert
// interval must fit the version's packet.
void ConfigBuilder::ResolveVersion(InstanceContext& context, const v1::GlobalDefs& global) {
  v1::VrrpInstance& vi = *context.instance;
  const InstanceNotes& notes = context.notes;
  uint32_t version =
      vi.version() ? vi.version() : (global.vrrp_version() ? global.vrrp_version() : 2);
  if (vi.family_inet6() && version == 2) {
    if (notes.version) {
      sink_.Error(notes.version->location, "version",
                  "VRRPv2 cannot carry IPv6 addresses; use version 3");
    }
    version = 3;
  }
  vi.set_version(version);
  if (!notes.advert_int) return;
  const Token& token = *notes.advert_int;
  const uint32_t ms = vi.advert_int_ms();
  if (version == 2 && (ms % 1000 != 0 || ms == 0)) {
    sink_.Error(token.location, "advert_int",
                absl::StrCat(token.text,
                             " s: VRRPv2 adverts are whole seconds (1-255); use version 3 for "
                             "fractions"));
  } else if (version == 3 && (ms > 40'950 || ms % 10 != 0)) {
    sink_.Error(token.location, "advert_int",
                absl::StrCat(token.text, " s: VRRPv3 adverts are 0.01-40.95 s in steps of 0.01 s"));
  }
}

void ConfigBuilder::WarnPriority(InstanceContext& context) {
  v1::VrrpInstance& vi = *context.instance;
  const InstanceNotes& notes = context.notes;
  if (!notes.priority && vi.initial_state() == v1::MASTER) {
    // keepalived derives an unset priority from the state: MASTER is the owner.
    vi.set_priority(255);
    sink_.Warning(notes.state ? notes.state->location : LocationOf(vi.location()), "state",
                  absl::StrCat("'", vi.name(),
                               "' has state MASTER and no priority: keepalived "
                               "makes it the address owner (priority 255), and so does lvs-ha; "
                               "give a priority (e.g. 150) for an ordinary master"));
  }
  if (vi.priority() == 255 && notes.priority) {
    // keepalived lets only the address owner use 255; the parser cannot see the
    // interface's addresses, so it says what 255 implies and vrrpd checks it.
    sink_.Warning(notes.priority->location, "priority",
                  "255 means this router owns the virtual addresses (they must be configured "
                  "on the interface); use 1-254 otherwise");
  }
}

void ConfigBuilder::ResolveAuthentication(InstanceContext& context) {
  v1::VrrpInstance& vi = *context.instance;
  const InstanceNotes& notes = context.notes;
  if (!notes.authentication) return;
  const Location& at = notes.authentication->location;
  if (vi.version() == 3) {
    sink_.Warning(at, "authentication", "VRRPv3 has no authentication; ignored");
    vi.clear_authentication();
  } else if (!notes.auth_type_given) {
    sink_.Warning(at, "authentication",
                  "has no auth_type; no authentication is used (as keepalived)");
  } else if (!notes.auth_pass_given && vi.authentication().type() == v1::VrrpAuthentication::PASS) {
    sink_.Warning(at, "authentication",
                  "has no auth_pass; an empty password is sent (as keepalived)");
  }
}

// What vrrpd cannot run is refused here, so that config check and the daemon agree.
// keepalived runs these; vrrpd has no VMAC for them yet, so the VIPs stay on the
// interface itself (its own MAC, announced by the same gratuitous ARPs/NAs).
void ConfigBuilder::ResolveVmac(InstanceContext& context) {
  v1::VrrpInstance& vi = *context.instance;
  if (!vi.use_vmac().empty() && (vi.family_inet6() || vi.unicast_peers_size() > 0)) {
    sink_.Warning(LocationOf(vi.location()), "use_vmac",
                  absl::StrCat("'", vi.name(), "': use_vmac with ",
                               vi.family_inet6() ? "IPv6" : "unicast_peer",
                               " is not implemented in lvs-ha; ignored, the VIPs go on ",
                               vi.interface(), " with its own MAC"));
    vi.clear_use_vmac();
  }
  if (!vi.use_vmac().empty() && !context.notes.use_vmac_named) {
    vi.set_use_vmac(absl::StrCat("vrrp.", vi.virtual_router_id()));
  }
}

// vrrp_strict / strict_mode: what keepalived 2.2.7's vrrp_complete_instance does
// to an instance in strict mode (RFC conformance), and the accept default that
// follows from it. Settings it resets are warnings; the two it refuses to run are
// errors here, so that config check and the daemon agree.
void ConfigBuilder::ApplyStrictMode(InstanceContext& context, const v1::GlobalDefs& global) {
  v1::VrrpInstance& vi = *context.instance;
  const InstanceNotes& notes = context.notes;
  const Location at = LocationOf(vi.location());
  const bool strict = notes.strict.value_or(global.vrrp_strict());
  vi.set_strict(strict);
  const bool owner = vi.priority() == 255;
  if (strict) {
    const std::string name = absl::StrCat("'", vi.name(), "'");
    if (vi.virtual_ipaddresses_size() == 0) {
      sink_.Error(at, "vrrp_instance",
                  absl::StrCat(name,
                               " has no virtual_ipaddress; strict mode needs at least one "
                               "(keepalived refuses to run it)"));
    }
    if (vi.unicast_peers_size() > 0) {
      sink_.Error(at, "unicast_peer",
                  absl::StrCat(name,
                               ": unicast peers are not allowed in strict mode (keepalived "
                               "refuses to run it on an interface with multicast); drop "
                               "vrrp_strict or strict_mode"));
    }
    if (notes.state && (vi.initial_state() == v1::MASTER) != owner) {
      sink_.Warning(notes.state ? notes.state->location : at, "state",
                    absl::StrCat(name,
                                 ": in strict mode state MASTER must match being the "
                                 "address owner (priority 255); ",
                                 owner ? "MASTER" : "BACKUP", " is used (as keepalived)"));
      vi.set_initial_state(owner ? v1::MASTER : v1::BACKUP);
    }
    if (vi.authentication().type() != v1::VrrpAuthentication::NONE) {
      sink_.Warning(notes.authentication ? notes.authentication->location : at, "authentication",
                    absl::StrCat(name,
                                 ": strict mode allows no authentication; none is used "
                                 "(as keepalived)"));
      vi.clear_authentication();
    }
    if (vi.preempt_delay_ms() > 0) {
      sink_.Warning(at, "preempt_delay",
                    absl::StrCat(name,
                                 ": preempt_delay is not allowed in strict mode; 0 is used "
                                 "(as keepalived)"));
      vi.set_preempt_delay_ms(0);
    }
  }
  ResolveLowerPriority(context, global, strict);
  // keepalived: accept unless strict, and always for the address owner; VRRPv2 in
  // strict mode has no accept mode (RFC 3768).
  if (!notes.accept_set) vi.set_accept(owner || !strict);
  if (vi.accept() && !owner && strict && vi.version() == 2) {
    sink_.Warning(at, "accept",
                  absl::StrCat("'", vi.name(),
                               "': accept mode does not comply with RFC 3768 "
                               "(VRRPv2) in strict mode; no_accept is used (as keepalived)"));
    vi.set_accept(false);
  }
}

void ConfigBuilder::ResolveLowerPriority(InstanceContext& context, const v1::GlobalDefs& global,
                                         bool strict) {
  // keepalived's vrrp_complete_instance: an instance's own value, else strict
  // mode's (no GARPs, no advert back, no advert to a higher priority), else the
  // global one; an own value strict mode forbids is reset with a warning.
  v1::VrrpInstance& vi = *context.instance;
  const InstanceNotes& notes = context.notes;
  // One setting: `get`/`set` its field, `strict_value` what strict mode requires,
  // `global_value` the default otherwise, `what` the warning's words.
  auto resolve = [&](const std::optional<Token>& given, auto get, auto set, auto strict_value,
                     auto global_value, const char* what) {
    if (!given) {
      (vi.*set)(strict ? strict_value : global_value);
    } else if (strict && (vi.*get)() != strict_value) {
      sink_.Warning(given->location, given->text,
                    absl::StrCat("'", vi.name(), "': strict mode requires ", what,
                                 "; reset (as keepalived)"));
      (vi.*set)(strict_value);
    }
  };
  using V = v1::VrrpInstance;
  resolve(notes.down_timer_adverts, &V::down_timer_adverts, &V::set_down_timer_adverts, 3u,
          global.vrrp_down_timer_adverts(),
          "down_timer_adverts 3 (RFC 5798's Master_Down_Interval)");
  resolve(notes.lower_prio_delay, &V::garp_lower_prio_delay_ms, &V::set_garp_lower_prio_delay_ms,
          0u, global.vrrp_garp_lower_prio_delay_ms(), "no repeated GARP delay");
  resolve(notes.lower_prio_repeat, &V::garp_lower_prio_repeat, &V::set_garp_lower_prio_repeat, 0u,
          global.vrrp_garp_lower_prio_repeat(), "no GARPs on a lower-priority advert");
  resolve(notes.lower_prio_no_advert, &V::lower_prio_no_advert, &V::set_lower_prio_no_advert, true,
          global.vrrp_lower_prio_no_advert(), "no advert in answer to a lower priority");
  resolve(notes.higher_prio_send_advert, &V::higher_prio_send_advert,
          &V::set_higher_prio_send_advert, false, global.vrrp_higher_prio_send_advert(),
          "higher_prio_send_advert to be clear");
}

void ConfigBuilder::ReportSyncDaemonLine(const SyncDaemonLine& line, v1::GlobalDefs& global) {
  const std::string global_form =
      absl::StrCat("lvs_sync_daemon ", line.interface, " ", line.instance);
  v1::TextEdit fix = DeleteLine(line.keyword, "");
  if (global.has_lvs_sync_daemon()) {
    // keepalived: "has already been specified - ignoring".
    fix.set_reason("the sync daemon is already set; keepalived ignores this line");
    sink_.Warning(line.keyword.location, line.keyword.text,
                  absl::StrCat("the sync daemon is already set (",
                               global.lvs_sync_daemon().interface(), "); ignored (as keepalived)"),
                  std::move(fix));
    return;
  }
  global.mutable_lvs_sync_daemon()->set_interface(line.interface);
  global.mutable_lvs_sync_daemon()->set_vrrp_instance(line.instance);
  fix.set_reason("lvs_sync_daemon_interface moved to global_defs");
  const Location global_at = LocationOf(global.location());
  if (global.has_location() && global_at.file == line.keyword.location.file) {
    fix.set_insert_after_line(global_at.line);
    fix.set_insert_text(absl::StrCat("    ", global_form));
  } else {
    fix.set_insert_text(absl::StrCat("global_defs {\n    ", global_form, "\n}"));
  }
  sink_.Warning(line.keyword.location, line.keyword.text,
                absl::StrCat("deprecated; taken as global_defs '", global_form, "'"),
                std::move(fix));
}

Location ConfigBuilder::LocationOf(const v1::SourceLocation& location) const {
  return sink_.FromProto(location);
}

void ConfigBuilder::Build(const std::vector<Statement>& top, v1::Config& config) {
  config_ = &config;
  Dispatch(top, Section::kTop, top_, config);

  v1::GlobalDefs& global = *config.mutable_global_defs();
  for (const SyncDaemonLine& line : sync_daemon_lines_) ReportSyncDaemonLine(line, global);
  if (global.vrrp_version() == 0) global.set_vrrp_version(2);
  if (!garp_delay_set_) global.set_vrrp_garp_master_delay_ms(min_garp_ ? 0 : 5000);
  if (!garp_repeat_set_) global.set_vrrp_garp_master_repeat(min_garp_ ? 1 : 5);
  if (global.vrrp_down_timer_adverts() == 0) global.set_vrrp_down_timer_adverts(3);
  if (!lower_prio_delay_set_)
    global.set_vrrp_garp_lower_prio_delay_ms(global.vrrp_garp_master_delay_ms());
  if (!lower_prio_repeat_set_)
    global.set_vrrp_garp_lower_prio_repeat(global.vrrp_garp_master_repeat());
  if (global.vrrp_garp_master_refresh_repeat() == 0) global.set_vrrp_garp_master_refresh_repeat(1);
  if (global.vrrp_firewall().table().empty())
    global.mutable_vrrp_firewall()->set_table("keepalived");
  if (!nftables_priority_set_) global.mutable_vrrp_firewall()->set_priority(-1);
  for (InstanceContext& context : instances_) FinishInstance(context, global);
  ApplySslBlock(config);
  ResolveSmtpAlerts(config);
  WarnBlockedVirtualServers(config);
  ResolvePassiveChecks(config);
  // MISC_CHECK scripts without a user of their own run as global_defs' script_user
  // (checkd falls back to keepalived_script, else root, as keepalived).
  if (!global.script_user().empty()) {
    for (v1::VirtualServer& vs : *config.mutable_virtual_servers()) {
      for (v1::RealServer& rs : *vs.mutable_real_servers()) {
        for (v1::Checker& c : *rs.mutable_checkers()) {
          if (!c.has_misc() || !c.misc().user().empty()) continue;
          c.mutable_misc()->set_user(global.script_user());
          c.mutable_misc()->set_group(global.script_group());
        }
      }
    }
  }
}

void ConfigBuilder::WarnBlockedVirtualServers(const v1::Config& config) {
  // Non-accept mode's drop rules hook input at priority -1 (by default), before
  // IPVS sees a packet: keepalived's master then drops the clients of a virtual
  // server on that VIP too. lvs-ha does the same; few mean it, so say so.
  std::map<std::string, const v1::VrrpInstance*> blocked;
  for (const v1::VrrpInstance& vi : config.vrrp_instances()) {
    if (vi.accept() || vi.priority() == 255) continue;
    for (const auto* list : {&vi.virtual_ipaddresses(), &vi.virtual_ipaddresses_excluded()}) {
      for (const v1::VirtualIp& vip : *list) blocked.emplace(vip.address(), &vi);
    }
  }
  for (const v1::VirtualServer& vs : config.virtual_servers()) {
    auto it = blocked.find(vs.address());
    if (vs.address().empty() || it == blocked.end()) continue;
    sink_.Warning(LocationOf(vs.location()), "virtual_server",
                  absl::StrCat(vs.address(), " is a VIP of '", it->second->name(),
                               "', which is in non-accept mode (no_accept or vrrp_strict): while "
                               "it is master its firewall rules drop this service's traffic "
                               "before IPVS sees it, as keepalived's do; add 'accept' to the "
                               "instance if the service should be reachable"));
  }
}

void ConfigBuilder::ResolvePassiveChecks(v1::Config& config) {
  // A virtual server's own settings, each unset one from global_defs, then the
  // defaults. Only TCP has a handshake whose first packet can go unanswered.
  const v1::PassiveCheck& global = config.global_defs().lvsha_passive_check();
  for (v1::VirtualServer& vs : *config.mutable_virtual_servers()) {
    v1::PassiveCheck* p = vs.mutable_passive_check();
    const bool own = p->has_location();
    if (!own) {
      p->set_enabled(global.enabled());
      *p->mutable_location() = global.location();
    }
    if (p->min_failures() == 0)
      p->set_min_failures(global.min_failures() ? global.min_failures() : 3);
    if (p->max_ejected_percent() == 0)
      p->set_max_ejected_percent(global.max_ejected_percent() ? global.max_ejected_percent() : 50);
    if (p->enabled() && (vs.protocol() == v1::UDP || vs.protocol() == v1::SCTP)) {
      sink_.Warning(LocationOf(own ? p->location() : vs.location()), "lvsha_passive_check",
                    "only a TCP service's connections show a first packet left unanswered; "
                    "this one is not checked passively");
      p->set_enabled(false);
    }
  }
}

void ConfigBuilder::ResolveSmtpAlerts(v1::Config& config) {
  // keepalived's order: the object's own smtp_alert, then the global one for its
  // kind (smtp_alert_vrrp, smtp_alert_checker), then smtp_alert; unset, only real
  // servers mail (keepalived keeps that for backward compatibility).
  auto resolve = [](const std::optional<bool>& kind, const std::optional<bool>& all,
                    bool otherwise) { return kind.value_or(all.value_or(otherwise)); };
  const bool vrrp = resolve(smtp_alert_vrrp_, smtp_alert_, false);
  for (v1::VrrpInstance& vi : *config.mutable_vrrp_instances()) {
    if (!vi.has_smtp_alert()) vi.set_smtp_alert(vrrp);
  }
  for (v1::VrrpSyncGroup& g : *config.mutable_vrrp_sync_groups()) {
    if (!g.has_smtp_alert()) g.set_smtp_alert(vrrp);
  }
  const bool vs_default = resolve(smtp_alert_checker_, smtp_alert_, false);
  const bool rs_default = resolve(smtp_alert_checker_, smtp_alert_, true);
  for (v1::VirtualServer& vs : *config.mutable_virtual_servers()) {
    if (!vs.has_smtp_alert()) vs.set_smtp_alert(vs_default);
    for (v1::RealServer& rs : *vs.mutable_real_servers()) {
      if (!rs.has_smtp_alert()) rs.set_smtp_alert(rs_default);
    }
  }
}

void ConfigBuilder::ApplySslBlock(v1::Config& config) {
  // One TLS context for every SSL_GET, wherever the block stands in the file.
  if (!config.has_ssl()) return;
  for (v1::VirtualServer& vs : *config.mutable_virtual_servers()) {
    for (v1::RealServer& rs : *vs.mutable_real_servers()) {
      for (v1::Checker& c : *rs.mutable_checkers()) {
        if (c.has_http() && c.http().ssl()) *c.mutable_http()->mutable_tls() = config.ssl();
      }
    }
  }
}

// The LVS keywords (config_builder_lvs.cc) dispatch on these block types.
template void ConfigBuilder::Dispatch(const std::vector<Statement>&, Section,
                                      const std::vector<Keyword<VirtualServerContext>>&,
                                      VirtualServerContext&);
template void ConfigBuilder::Dispatch(const std::vector<Statement>&, Section,
                                      const std::vector<Keyword<RealServerContext>>&,
                                      RealServerContext&);
template void ConfigBuilder::Dispatch(const std::vector<Statement>&, Section,
                                      const std::vector<Keyword<CheckerContext>>&, CheckerContext&);
template void ConfigBuilder::Dispatch(const std::vector<Statement>&, Section,
                                      const std::vector<Keyword<v1::UrlCheck>>&, v1::UrlCheck&);
template void ConfigBuilder::Dispatch(const std::vector<Statement>&, Section,
                                      const std::vector<Keyword<v1::TrackFile>>&, v1::TrackFile&);
template ConfigBuilder::Table<ConfigBuilder::VirtualServerContext>
ConfigBuilder::PassiveCheckKeywords<ConfigBuilder::VirtualServerContext>(
    v1::PassiveCheck* (v1::VirtualServer::*)());
template void ConfigBuilder::Register(Section, const std::vector<Keyword<VirtualServerContext>>&);
template void ConfigBuilder::Register(Section, const std::vector<Keyword<RealServerContext>>&);
template void ConfigBuilder::Register(Section, const std::vector<Keyword<CheckerContext>>&);
template void ConfigBuilder::Register(Section, const std::vector<Keyword<v1::UrlCheck>>&);
template void ConfigBuilder::Register(Section, const std::vector<Keyword<v1::TrackFile>>&);

}  // namespace lvs::config
