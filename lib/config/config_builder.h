// Gives keepalived.conf statements their meaning: one keyword table per block,
// keepalived's defaults and units, and the checks that need the source text.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/config/diagnostic_sink.h"
#include "lib/config/syntax_tree.h"
#include "lib/config/unsupported_keywords.h"
#include "lib/config/value_reader.h"
#include "lvs/v1/config.pb.h"

namespace lvs::config {

class ConfigBuilder {
 public:
  explicit ConfigBuilder(DiagnosticSink& sink);

  // Fills `config` from the top-level statements.
  void Build(const std::vector<Statement>& top, v1::Config& config);

  // The keywords given a meaning, per block (the grammar test compares them with
  // keepalived's).
  const std::map<Section, std::vector<std::string_view>>& implemented() const {
    return names_by_section_;
  }

 private:
  enum class BlockUse { kNone, kRequired, kOptional };

  template <typename T>
  struct Keyword {
    std::string_view name;
    int min_args = 0;
    int max_args = 0;  // -1: any number
    BlockUse block = BlockUse::kNone;
    std::function<void(const Statement&, T&)> apply;
  };
  template <typename T>
  using Table = std::vector<Keyword<T>>;

  // Checker timing settings, given on a virtual server, a real server or a checker;
  // the nearest one wins.
  struct CheckSettings {
    std::optional<uint32_t> connect_timeout_ms, retry, delay_before_retry_ms, warmup_ms,
        delay_loop_ms;
    std::optional<bool> alpha, inhibit_on_failure;
    std::optional<std::string> virtualhost;
    void Override(const CheckSettings& nearer);
  };
  struct VirtualServerContext {
    v1::VirtualServer* vs;
    CheckSettings settings;
    std::vector<const Statement*> real_servers;
    const Statement* persistence = nullptr;
    bool family_set = false;  // ip_family: a fwmark service's real servers do not decide it
  };
  struct RealServerContext {
    v1::RealServer* rs;
    CheckSettings settings;
    bool lb_kind_set = false;
    std::vector<const Statement*> checkers;
  };
  struct CheckerContext {
    v1::Checker* checker;
    CheckSettings settings;
    bool connection_set = false;  // connect_ip/connect_port/bindto/bind_port given
    std::vector<const Statement*> smtp_hosts;
  };
  // What an instance's final checks need beyond the proto.
  struct InstanceNotes {
    std::optional<Token> advert_int;
    std::optional<Token> version;
    std::optional<Token> priority;
    std::optional<Token> authentication;
    std::optional<Token> state;
    bool garp_delay_set = false, garp_repeat_set = false, garp_refresh_set = false,
         garp_refresh_repeat_set = false, accept_set = false, use_vmac_named = false,
         vrid_given = false, auth_type_given = false, auth_pass_given = false;
    std::optional<bool> strict;  // strict_mode; unset: global vrrp_strict
    // The lower/higher-priority keywords, when the instance gives them.
    std::optional<Token> lower_prio_delay, lower_prio_repeat, lower_prio_no_advert,
        higher_prio_send_advert, down_timer_adverts;
  };
  struct InstanceContext {
    v1::VrrpInstance* instance;
    InstanceNotes notes;
  };

  // Handlers for the keywords that only read their value into a field, so that such a
  // keyword is one line of its table. `set` is a setter (&Msg::set_x: protobuf's scalar
  // setters are not overloaded) or any callable taking the message and the value;
  // `field` is a mutable accessor (&Msg::mutable_x: the string setters are overloaded).
  // The message is the block's own (MessageOf: a context's instance, virtual server...);
  // In() reaches one inside it. A bad value is reported by values_ and changes nothing.
  // Each handler returns whether it stored a value, for keywords that note that too.
  static v1::VrrpInstance& MessageOf(InstanceContext& c) { return *c.instance; }
  static v1::VirtualServer& MessageOf(VirtualServerContext& c) { return *c.vs; }
  static v1::RealServer& MessageOf(RealServerContext& c) { return *c.rs; }
  static v1::Checker& MessageOf(CheckerContext& c) { return *c.checker; }
  template <typename Message>
  static Message& MessageOf(Message& message) {
    return message;
  }
  // `inner` of the message `outer` gives: In(&GlobalDefs::mutable_mail, &MailAlerts::set_from).
  template <typename Outer, typename Inner>
  static auto In(Outer outer, Inner inner) {
    return [outer, inner](auto& message, auto... value) {
      return std::invoke(inner, std::invoke(outer, message), value...);
    };
  }
  // A value checked (and reported when bad) but not kept.
  struct Discard {
    template <typename Message, typename Value>
    void operator()(Message&, Value) const {}
  };

  template <typename Set>
  auto Int(Set set, int64_t low, int64_t high, BadValue bad = BadValue::kIgnore) {
    return [this, set, low, high, bad](const Statement& s, auto& target) {
      const std::optional<int64_t> v = values_.Integer(s, 0, low, high, bad);
      if (v) std::invoke(set, MessageOf(target), *v);
      return v.has_value();
    };
  }
  template <typename Set>
  auto Millis(Set set, uint64_t low_ms, uint64_t high_ms) {
    return [this, set, low_ms, high_ms](const Statement& s, auto& target) {
      const std::optional<uint32_t> v = values_.Millis(s, 0, low_ms, high_ms);
      if (v) std::invoke(set, MessageOf(target), *v);
      return v.has_value();
    };
  }
  // keepalived's <BOOL>; no value means true.
  template <typename Set>
  auto Bool(Set set) {
    return [this, set](const Statement& s, auto& target) {
      const std::optional<bool> v = values_.Bool(s, 0);
      if (v) std::invoke(set, MessageOf(target), *v);
      return v.has_value();
    };
  }
  // A keyword without a value that sets a field to `value`.
  template <typename Set>
  static auto Flag(Set set, bool value = true) {
    return [set, value](const Statement&, auto& target) {
      std::invoke(set, MessageOf(target), value);
      return true;
    };
  }
  template <typename Field>
  static auto Text(Field field) {
    return [field](const Statement& s, auto& target) {
      *std::invoke(field, MessageOf(target)) = s.args[0].text;
      return true;
    };
  }
  // Every value, joined by single spaces (a command line).
  template <typename Field>
  static auto Words(Field field) {
    return [field](const Statement& s, auto& target) {
      *std::invoke(field, MessageOf(target)) = JoinArgs(s);
      return true;
    };
  }
  // An address, in its canonical form.
  template <typename Field>
  auto Address(Field field) {
    return [this, field](const Statement& s, auto& target) {
      const std::optional<net::IpAddress> ip = values_.Ip(s.args[0], s.name());
      if (ip) *std::invoke(field, MessageOf(target)) = ip->ToString();
      return ip.has_value();
    };
  }
  // "KEYWORD CMD [USER [GROUP]]": a notify script.
  template <typename Field>
  auto Script(Field field) {
    return [this, field](const Statement& s, auto& target) {
      *std::invoke(field, MessageOf(target)) = Notify(s);
      return true;
    };
  }
  // "KEYWORD CMD [USER [GROUP]]" into the message `field` gives (a FIFO, a startup
  // script: its command's mutable accessor is `command`); given twice, the first holds.
  template <typename Field, typename Command>
  auto FirstCommand(Field field, Command command) {
    return [this, field, command](const Statement& s, v1::GlobalDefs& g) {
      auto* m = std::invoke(field, g);
      std::string* text = std::invoke(command, *m);
      if (GivenBefore(s, !text->empty())) return false;
      const v1::NotifyScript line = Notify(s);
      *text = line.command();
      m->set_user(line.user());
      m->set_group(line.group());
      return true;
    };
  }
  // "user USER [GROUP]".
  template <typename UserField, typename GroupField>
  static auto UserAndGroup(UserField user, GroupField group) {
    return [user, group](const Statement& s, auto& target) {
      *std::invoke(user, MessageOf(target)) = s.args[0].text;
      if (s.args.size() > 1) *std::invoke(group, MessageOf(target)) = s.args[1].text;
      return true;
    };
  }
  // A list block read by `read` (ReadVirtualIps, ReadTrackScripts...) into `field`
  // (spelt out: a repeated field's mutable accessor is overloaded).
  template <typename Message, typename Entry>
  auto List(void (ConfigBuilder::*read)(const Statement&,
                                        google::protobuf::RepeatedPtrField<Entry>*),
            google::protobuf::RepeatedPtrField<Entry>* (Message::*field)()) {
    return [this, read, field](const Statement& s, auto& target) {
      (this->*read)(s, (MessageOf(target).*field)());
      return true;
    };
  }
  static std::string JoinArgs(const Statement& s);

  template <typename T>
  void Dispatch(const Statement& block, Section section, const std::vector<Keyword<T>>& table,
                T& target) {
    Dispatch(block.children, section, table, target);
  }
  template <typename T>
  void Dispatch(const std::vector<Statement>& statements, Section section,
                const std::vector<Keyword<T>>& table, T& target);
  template <typename T>
  void Register(Section section, const std::vector<Keyword<T>>& table);
  // An unknown keyword: a warning (keepalived skips it), or an error for text that is
  // not a keyword at all and for keepalived forks' features.
  void ReportUnknown(const Statement& s, Section section);
  bool CheckNoBlock(const Statement& s);

  void DefineTables();
  void DefineTopLevel();
  void DefineSsl();
  void DefineGlobalDefs();
  // The parts of global_defs_.
  Table<v1::GlobalDefs> GarpKeywords();
  Table<v1::GlobalDefs> LvsKeywords();
  Table<v1::GlobalDefs> MailKeywords();
  Table<v1::GlobalDefs> ScriptKeywords();
  Table<v1::GlobalDefs> AdvertKeywords();
  Table<v1::GlobalDefs> FirewallKeywords();
  // config_builder_process.cc: appended to global_defs_ and top_ before they are registered.
  void AddProcessKeywords();
  void AddNamespaceKeywords();
  Table<v1::GlobalDefs> SchedulingKeywords();
  Table<v1::GlobalDefs> ProcessNameKeywords();
  Table<v1::GlobalDefs> StartupKeywords();
  // A daemon's process options: vrrpd's or the checker daemons'.
  using Role = v1::ProcessOptions* (v1::GlobalDefs::*)();
  std::function<void(const Statement&, v1::GlobalDefs&)> Of(
      Role role, void (ConfigBuilder::*read)(const Statement&, v1::ProcessOptions&));
  void ReadRtPriority(const Statement& s, v1::ProcessOptions& p);
  void ReadRlimitRttime(const Statement& s, v1::ProcessOptions& p);
  void ReadCpuAffinity(const Statement& s, v1::ProcessOptions& p);
  void ReadProcessName(const Statement& s, v1::ProcessOptions& p);
  // lvs-ha's passive health, for global_defs and a virtual server; `check` is the
  // block's mutable PassiveCheck accessor.
  template <typename Ctx, typename Check>
  Table<Ctx> PassiveCheckKeywords(Check check);
  void DefineVrrpScript();
  template <typename Ctx>
  Table<Ctx> StateScriptKeywords();
  void DefineSyncGroup();
  void DefineVrrpInstance();
  // The parts of vrrp_instance_.
  Table<InstanceContext> InstanceElectionKeywords();
  Table<InstanceContext> InstanceAddressKeywords();
  Table<InstanceContext> InstancePeerKeywords();
  Table<InstanceContext> InstanceTrackKeywords();
  Table<InstanceContext> InstanceNotifyKeywords();
  Table<InstanceContext> InstanceAdvertKeywords();
  void DefineAuthentication();
  void DefineVirtualServer();
  // The parts of virtual_server_.
  Table<VirtualServerContext> ServiceKeywords();
  Table<VirtualServerContext> QuorumKeywords();
  Table<VirtualServerContext> SorryServerKeywords();
  Table<VirtualServerContext> ServiceHealthKeywords();
  void DefineRealServer();
  void DefineCheckers();
  // The parts the checkers' tables are made of.
  Table<CheckerContext> ConnectionKeywords();
  Table<CheckerContext> HttpKeywords();
  Table<CheckerContext> MiscKeywords();
  Table<CheckerContext> UdpKeywords();
  Table<CheckerContext> DnsKeywords();
  Table<CheckerContext> SmtpKeywords();
  Table<CheckerContext> FileKeywords();
  void DefineTrackFile();
  void DefineUrl();

  template <typename T>
  static void Append(std::vector<Keyword<T>>& table, std::vector<Keyword<T>> more) {
    for (Keyword<T>& keyword : more) table.push_back(std::move(keyword));
  }
  // keepalived keeps the first of some keywords given twice: true, with a warning,
  // when `given` says this is a second one.
  bool GivenBefore(const Statement& s, bool given);

  // Blocks and keywords that take more than a value.
  void ReadGlobalDefs(const Statement& s, v1::Config& c);
  void ReadVrrpScript(const Statement& s, v1::Config& c);
  void ReadVrrpInstance(const Statement& s, v1::Config& c);
  void ReadSsl(const Statement& s, v1::Config& c);
  void ReadVirtualServer(const Statement& s, v1::Config& c);
  void ReadLvsSyncDaemon(const Statement& s, v1::GlobalDefs& g);
  void ReadLvsTimeouts(const Statement& s, v1::GlobalDefs& g);
  void ReadNftables(const Statement& s, v1::GlobalDefs& g);
  void ReadInstanceState(const Statement& s, InstanceContext& c);
  void ReadUnicastPeers(const Statement& s, InstanceContext& c);
  void ReadInstanceTrackFiles(const Statement& s, InstanceContext& c);
  void ReadIpFamily(const Statement& s, VirtualServerContext& c);
  void ReadScheduler(const Statement& s, VirtualServerContext& c);
  void ReadPersistenceGranularity(const Statement& s, VirtualServerContext& c);
  // lb_kind / lvs_method of a virtual or real server: false when the method is bad.
  template <typename Server>
  bool ReadMethod(const Statement& s, Server& server);
  void ReadCheckerTrackFile(const Statement& s, CheckerContext& c);
  void ReadStatusCodes(const Statement& s, v1::UrlCheck& u);

  // Entries of list blocks (virtual_ipaddress, unicast_peer, track_*, group).
  void ReadVirtualIps(const Statement& block,
                      google::protobuf::RepeatedPtrField<v1::VirtualIp>* out);
  // An option that is not dev, label, brd/broadcast or scope: false when it is an
  // error. `i` moves past the value of one lvs-ha skips.
  bool SkipVirtualIpOption(const std::vector<Token>& args, size_t& i);
  // false when the value is an error.
  bool ReadVirtualIpOption(const Token& option, const Token& value, const net::IpAddress& ip,
                           v1::VirtualIp& vip);
  // The words after a tracked name: "weight N" (-max_weight..max_weight), "reverse",
  // "noreverse" (or "no_reverse"); the last of each holds.
  struct TrackOptions {
    std::optional<int64_t> weight;
    std::optional<bool> reverse;
  };
  TrackOptions ReadTrackOptions(const Statement& entry, int64_t max_weight);
  void ReadTrackInterfaces(const Statement& block,
                           google::protobuf::RepeatedPtrField<v1::TrackInterface>* out);
  void ReadTrackScripts(const Statement& block,
                        google::protobuf::RepeatedPtrField<v1::TrackScript>* out);
  std::vector<const Statement*> ListEntries(const Statement& block);
  v1::NotifyScript Notify(const Statement& s);

  void ReadVirtualServerHeader(const Statement& s, v1::VirtualServer& vs);
  void ReadVirtualServerGroup(const Statement& s, v1::VirtualServerGroup& group);
  void ReadRealServer(const Statement& s, VirtualServerContext& parent);
  void ReadChecker(const Statement& s, const RealServerContext& parent,
                   const VirtualServerContext& vs);
  void ReadCheckSetting(const Statement& s, CheckSettings& settings);
  // lb_kind TUN's options, or nullopt (with a warning) when keepalived drops them.
  std::optional<v1::Tunnel> ReadTunnel(const Statement& s);
  template <typename Ctx>
  std::vector<Keyword<Ctx>> SettingKeywords(std::initializer_list<std::string_view> names);

  void ApplyStrictMode(InstanceContext& context, const v1::GlobalDefs& global);
  void FinishInstance(InstanceContext& context, const v1::GlobalDefs& global);
  void ResolveVirtualIpFamily(v1::VrrpInstance& vi);
  void DropRepeatedVirtualIps(v1::VrrpInstance& vi);
  void ResolveVersion(InstanceContext& context, const v1::GlobalDefs& global);
  void WarnPriority(InstanceContext& context);
  void ResolveAuthentication(InstanceContext& context);
  void ResolveVmac(InstanceContext& context);
  // A vrrp_instance's old lvs_sync_daemon_interface line.
  struct SyncDaemonLine {
    Token keyword;
    std::string interface, instance;
  };

  // The first becomes global_defs' lvs_sync_daemon, unless one is set: a warning with
  // the fix that moves it there.
  void ReportSyncDaemonLine(const SyncDaemonLine& line, v1::GlobalDefs& global);

  Location LocationOf(const v1::SourceLocation& location) const;

  DiagnosticSink& sink_;
  ValueReader values_;

  std::vector<Keyword<v1::Config>> top_;
  std::vector<Keyword<v1::GlobalDefs>> global_defs_;
  std::vector<Keyword<v1::VrrpScript>> vrrp_script_;
  std::vector<Keyword<v1::VrrpSyncGroup>> sync_group_;
  std::vector<Keyword<InstanceContext>> vrrp_instance_;
  std::vector<Keyword<v1::VrrpAuthentication>> authentication_;
  std::vector<Keyword<VirtualServerContext>> virtual_server_;
  std::vector<Keyword<RealServerContext>> real_server_;
  std::vector<Keyword<CheckerContext>> tcp_check_, http_check_, misc_check_, udp_check_, dns_check_,
      smtp_check_, smtp_host_, file_check_;
  std::vector<Keyword<v1::TrackFile>> track_file_;
  // SMTP_CHECK's host blocks, each its own checker (keepalived's reading).
  void FinishChecker(v1::Checker& checker, const CheckerContext& context,
                     const RealServerContext& parent, const VirtualServerContext& vs);
  void ReadSmtpHosts(const Statement& s, CheckerContext& context, v1::RealServer& rs);
  void ReadTrackFile(const Statement& s, v1::Config& config);
  void FinishUrl(const Statement& s, v1::UrlCheck& url);
  // The SSL block's files given to every SSL_GET.
  void ApplySslBlock(v1::Config& config);
  // Every instance, sync group, virtual and real server's smtp_alert, decided.
  void ResolveSmtpAlerts(v1::Config& config);
  void WarnBlockedVirtualServers(const v1::Config& config);
  void ResolvePassiveChecks(v1::Config& config);
  void ResolveLowerPriority(InstanceContext& context, const v1::GlobalDefs& global, bool strict);
  std::optional<bool> smtp_alert_, smtp_alert_vrrp_, smtp_alert_checker_;
  void ResolveFileCheck(const Statement& s, v1::Checker& checker);
  const v1::Config* config_ = nullptr;  // the one Build fills, for FILE_CHECK's track_file lookup
  std::vector<Keyword<v1::UrlCheck>> url_;
  std::vector<Keyword<v1::TlsClient>> ssl_;

  // Every implemented keyword with the blocks it belongs to, for "did you mean" and
  // "belongs in" hints.
  std::map<std::string_view, std::vector<Section>> known_;
  std::map<Section, std::vector<std::string_view>> names_by_section_;

  std::vector<InstanceContext> instances_;
  std::deque<Statement> trimmed_;  // statements whose extra words were dropped
  bool min_garp_ = false;
  std::vector<SyncDaemonLine> sync_daemon_lines_;
  bool garp_delay_set_ = false, garp_repeat_set_ = false;
  bool lower_prio_delay_set_ = false, lower_prio_repeat_set_ = false;
  bool nftables_given_ = false, nftables_priority_set_ = false;
};

}  // namespace lvs::config
