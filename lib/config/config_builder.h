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
  void DefineGlobalDefs();
  // config_builder_process.cc: appended to global_defs_ and top_ before they are registered.
  void AddProcessKeywords();
  void AddNamespaceKeywords();
  void DefineVrrpScript();
  void DefineSyncGroup();
  void DefineVrrpInstance();
  void DefineVirtualServer();
  void DefineRealServer();
  void DefineCheckers();

  // Entries of list blocks (virtual_ipaddress, unicast_peer, track_*, group).
  void ReadVirtualIps(const Statement& block,
                      google::protobuf::RepeatedPtrField<v1::VirtualIp>* out);
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
  void FinishChecker(v1::Checker& checker, const CheckerContext& context, const RealServerContext& parent,
                     const VirtualServerContext& vs);
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
