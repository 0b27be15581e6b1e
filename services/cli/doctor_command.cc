// lvsctl doctor director|realserver: looks for what breaks LVS-DR clusters and
// prints each finding with the command that fixes it.
#include <cstdio>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"
#include "lib/config/config_parser.h"
#include "lvs/v1/ipvs.grpc.pb.h"
#include "lvs/v1/vrrp.grpc.pb.h"
#include "services/cli/client_options.h"
#include "services/cli/command_registry.h"
#include "services/cli/command_support.h"
#include "services/cli/local_host.h"
#include "services/cli/realserver_setup.h"

namespace lvs::cli {

RealServerObservation ObserveRealServer(const std::string& vip);
absl::StatusOr<std::vector<std::string>> ParseVips(const std::vector<std::string>& args,
                                                   size_t from);

namespace {

int Report(const std::vector<Finding>& findings, const std::string& what) {
  for (const auto& f : findings)
    std::printf("PROBLEM: %s\n    fix: %s\n", f.problem.c_str(), f.fix.c_str());
  if (findings.empty()) {
    std::printf("%s: no problems found\n", what.c_str());
    return kExitOk;
  }
  std::printf("%s: %zu problem%s\n", what.c_str(), findings.size(),
              findings.size() == 1 ? "" : "s");
  return kExitFailed;
}

std::string RunCapture(const std::string& cmd) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen((cmd + " 2>/dev/null").c_str(), "r"), pclose);
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p.get())) > 0) out.append(buf, n);
  return out;
}

// A rule that drops or rejects VRRP (IP protocol 112) in nftables or iptables.
// A heuristic: it reads rule text, it does not evaluate the ruleset.
std::vector<std::string> VrrpDropRules() {
  std::vector<std::string> hits;
  std::string rules = RunCapture("nft list ruleset") + RunCapture("iptables-save");
  for (absl::string_view line : absl::StrSplit(rules, '\n')) {
    bool vrrp = absl::StrContains(line, "vrrp") || absl::StrContains(line, " 112 ") ||
                absl::StrContains(line, "protocol 112") || absl::StrContains(line, "-p 112");
    bool drop = absl::StrContains(line, "drop") || absl::StrContains(line, "DROP") ||
                absl::StrContains(line, "reject") || absl::StrContains(line, "REJECT");
    if (vrrp && drop) hits.emplace_back(absl::StripAsciiWhitespace(line));
  }
  return hits;
}

// This host's kernel: IPVS, how it treats connections to a removed real, and
// firewall rules that drop VRRP.
void CheckKernel(std::vector<Finding>& out) {
  if (!IpvsAvailable()) {
    out.push_back(
        {"the kernel has no IPVS (generic netlink family \"IPVS\" not found)", "modprobe ip_vs"});
  } else if (ReadSysctl("net.ipv4.vs.expire_nodest_conn") == "0") {
    // With 0 the kernel drops, until the entry times out, every packet of a
    // connection whose real server was taken out, and a new connection from a
    // client port such an entry still holds hangs: a failed real server keeps
    // costing requests after the checker removed it.
    out.push_back(
        {"net.ipv4.vs.expire_nodest_conn is 0: connections to a real server taken "
         "out of the table are dropped until they time out, and new ones that reuse "
         "their client port hang",
         "sysctl -w net.ipv4.vs.expire_nodest_conn=1  (and put it in /etc/sysctl.d/)"});
  }
  for (const auto& rule : VrrpDropRules())
    out.push_back({absl::StrCat("a firewall rule drops VRRP (IP protocol 112): ", rule),
                   "nft insert rule inet filter input ip protocol vrrp accept  "
                   "(or iptables -I INPUT -p vrrp -j ACCEPT)"});
}

// Interfaces the instances run on: up, with multicast.
void CheckInterfaces(const lvs::v1::Config& config, const std::string& config_path,
                     std::vector<Finding>& out) {
  for (const auto& inst : config.vrrp_instances()) {
    const std::string& dev = inst.interface();
    auto link = Link(dev);
    if (!link.ok() || !link->exists) {
      out.push_back({absl::StrCat(inst.name(), ": interface ", dev, " does not exist"),
                     absl::StrCat("fix 'interface' in ", config_path)});
      continue;
    }
    if (!link->up) {
      out.push_back({absl::StrCat(dev, " is down"), absl::StrCat("ip link set ", dev, " up")});
    }
    if (!link->multicast && inst.unicast_peers().empty())
      out.push_back({absl::StrCat(dev,
                                  " has multicast off: VRRP adverts to 224.0.0.18 cannot "
                                  "be sent or heard"),
                     absl::StrCat("ip link set ", dev, " multicast on")});
  }
}

// VIPs where vrrpd's state says they should be, and nowhere else.
void CheckVips(const ClientOptions& opts, const lvs::v1::Config& config,
               std::vector<Finding>& out) {
  std::string sock = absl::StrCat(opts.run_dir, "/vrrpd.sock");
  auto vrrp = lvs::v1::Vrrp::NewStub(*DaemonChannel(opts, "vrrpd"));
  lvs::v1::VrrpStatus status;
  grpc::Status s = vrrp->GetStatus(CallContext(opts).get(), {}, &status);
  if (!s.ok()) {
    out.push_back({absl::StrCat("vrrpd does not answer on ", sock, ": ", s.error_message()),
                   "systemctl start lvs-vrrpd"});
    return;
  }
  for (const auto& inst : config.vrrp_instances()) {
    const lvs::v1::VrrpInstanceStatus* st = nullptr;
    for (const auto& i : status.instances())
      if (i.name() == inst.name()) st = &i;
    if (st == nullptr) continue;
    auto addrs = AddressesOn(inst.interface());
    if (!addrs.ok()) continue;
    for (const auto& vip : inst.virtual_ipaddresses()) {
      std::string dev = vip.dev().empty() ? inst.interface() : vip.dev();
      auto on = dev == inst.interface() ? addrs : AddressesOn(dev);
      bool present = false;
      if (on.ok())
        for (const auto& a : *on) present = present || a.address == vip.address();
      bool master = st->state() == lvs::v1::MASTER;
      if (master && !present)
        out.push_back(
            {absl::StrCat(inst.name(), " is MASTER but ", vip.address(), " is not on ", dev),
             absl::StrCat("lvsctl reload   (or restart lvs-vrrpd)")});
      if (!master && present)
        out.push_back(
            {absl::StrCat(inst.name(), " is ", lvs::v1::VrrpState_Name(st->state()), " but ",
                          vip.address(), " is on ", dev, ": two directors may answer for it"),
             absl::StrCat("ip addr del ", vip.address(), "/", vip.prefix_len(), " dev ", dev)});
    }
  }
}

// The connection-sync daemon, when configured.
void CheckSyncDaemon(const ClientOptions& opts, const lvs::v1::Config& config,
                     std::vector<Finding>& out) {
  if (config.global_defs().lvs_sync_daemon().interface().empty()) return;
  auto ipvs = lvs::v1::Ipvs::NewStub(*DaemonChannel(opts, "ipvsd"));
  lvs::v1::ListServicesResponse table;
  grpc::Status t = ipvs->ListServices(CallContext(opts).get(), {}, &table);
  if (!t.ok())
    out.push_back({"ipvsd does not answer: the IPVS table and the connection sync are unmanaged",
                   "systemctl start lvs-ipvsd"});
  else if (!table.sync_daemon_master() && !table.sync_daemon_backup())
    out.push_back(
        {"lvs_sync_daemon is configured but no sync daemon runs: connections will not "
         "survive failover",
         "journalctl -u lvs-ipvsd   (ipvsd starts it with the VRRP state)"});
}

std::vector<Finding> CheckDirector(const ClientOptions& opts, const std::string& config_path) {
  std::vector<Finding> out;
  CheckKernel(out);
  auto parsed = lvs::config::ParseFile(config_path);
  if (!parsed.ok() || !parsed->ok()) {
    out.push_back({absl::StrCat("the config ", config_path, " does not load"),
                   absl::StrCat("lvsctl config check ", config_path)});
    return out;
  }
  CheckInterfaces(parsed->config, config_path, out);
  CheckVips(opts, parsed->config, out);
  CheckSyncDaemon(opts, parsed->config, out);
  return out;
}

int RunDoctor(const std::vector<std::string>& raw) {
  std::vector<std::string> args = raw;
  auto opts = ExtractClientOptions(args);
  if (!opts.ok()) return ReportUsage(std::string(opts.status().message()));
  if (!args.empty() && args[0] == "realserver") {
    auto vips = ParseVips(args, 1);
    if (!vips.ok()) return ReportUsage(std::string(vips.status().message()));
    std::vector<Finding> all;
    for (const auto& vip : *vips) {
      auto f = CheckRealServer(ObserveRealServer(vip));
      all.insert(all.end(), f.begin(), f.end());
    }
    return Report(all, "real server");
  }
  if (!args.empty() && args[0] == "director") {
    std::string config = lvs::config::kDefaultConfigPath;
    if (args.size() == 3 && args[1] == "--config")
      config = args[2];
    else if (args.size() != 1)
      return ReportUsage("doctor director [--config FILE]");
    return Report(CheckDirector(*opts, config), "director");
  }
  return ReportUsage("doctor director [--config FILE] | doctor realserver --vip ADDR");
}

}  // namespace

LVS_CLI_COMMAND(
    "doctor",
    "doctor director [--config F] | realserver --vip ADDR: find what breaks DR, with fixes",
    RunDoctor);

}  // namespace lvs::cli
